package sqlstore_test

import (
	"testing"

	"github.com/invenio-go/accounts/internal/mail"
	"github.com/invenio-go/accounts/internal/mail/mailtest"
)

func TestMailQueue(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			mailtest.TestQueue(t, func(t *testing.T) mail.Queue {
				return migrated(t, b.open(t)).MailQueue()
			})
		})
	}
}
