package session_test

import (
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/testenv"
	"github.com/invenio-go/accounts/internal/token"
)

func FuzzParseCookie(f *testing.F) {
	for _, v := range loadCompatCookies(f) {
		f.Add(v.Cookie)
	}
	signer := token.NewSigner([]byte("CHANGE_ME"), token.DefaultSalt)
	f.Add(signer.Sign(session.NewToken(time.Unix(0x6553f100, 0))))
	f.Add("")
	f.Add("a_b.c")
	f.Fuzz(func(t *testing.T, value string) {
		tok, created, err := session.ParseCookie(signer, value)
		if err != nil {
			if tok != "" || !created.IsZero() {
				t.Fatalf("ParseCookie failed but returned %q, %v", tok, created)
			}
			return
		}
		if signer.Sign(tok) != value {
			t.Fatalf("ParseCookie accepted %q, which Sign does not produce", value)
		}
		id, err := session.DeriveID(tok)
		if err != nil || id == tok {
			t.Fatalf("DeriveID(%q) = %q, %v", tok, id, err)
		}
	})
}

// FuzzLoad feeds Cookie headers to Manager.Load: a valid session loads,
// anything else is anonymous, and nothing panics or returns an error.
func FuzzLoad(f *testing.F) {
	c := testenv.NewClock(time.Unix(0x6aff8000, 0))
	store := memStoreFor(f)
	m, err := session.New(store, session.Options{Secret: []byte("CHANGE_ME"), Now: c.Now})
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range loadCompatCookies(f) {
		f.Add("session=" + v.Cookie)
	}
	f.Add("session=" + loginCookie(f, m))
	f.Add("session=a; session=b")
	f.Add(`session="x"`)
	f.Fuzz(func(t *testing.T, header string) {
		s, err := m.Load(request(header))
		if err != nil || s == nil {
			t.Fatalf("Load = %v, %v", s, err)
		}
		if s.IsNew() != (s.UserID() == 0) {
			t.Fatalf("loaded user %d, new %v", s.UserID(), s.IsNew())
		}
	})
}
