package accounts_test

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/pwcheck"
)

// TestContextWordsOnEveryPath: with internal/pwcheck's checker and the site
// words "invenio" and "Zenodo", registration (users create), password
// change and password reset refuse a new password made of the site's words
// or of the user's own email address or username, with the reason on the
// password field, and store nothing; other passwords are taken.
func TestContextWordsOnEveryPath(t *testing.T) {
	paths := []struct {
		name  string
		field string
		set   func(svc *accounts.Service, st *memStore, pw string) error
	}{
		{"create", "password", func(svc *accounts.Service, _ *memStore, pw string) error {
			_, err := svc.CreateUser(context.Background(), accounts.NewUser{
				Email: "Jane.Doe@Example.org", Password: pw, Active: true, Username: "JaneD"})
			return err
		}},
		{"change", "new_password", func(svc *accounts.Service, st *memStore, pw string) error {
			return svc.ChangePassword(context.Background(), st.jane(), "violet anchor 47", pw)
		}},
		{"reset", "password", func(svc *accounts.Service, st *memStore, pw string) error {
			return svc.ResetPassword(context.Background(), st.jane(), pw)
		}},
	}
	tests := []struct {
		password string
		refused  bool
	}{
		{"jane2024", true},             // the email's local part, digits appended
		{"Jane.Doe.1987", true},        // the local part
		{"example.org!", true},         // the domain
		{"JaneD-2024", true},           // the username
		{"Invenio123", true},           // a site word
		{"zenodo-rocks", true},         // 6 of 11 letters are a site word
		{"janet and the dog", false},   // "jane" is 4 of 14
		{"violet meadow 1975", false},  // nothing of either
		{"my zenodo uploads!!", false}, // "zenodo" is 6 of 15
	}
	for _, p := range paths {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.password, func(t *testing.T) {
				svc, st := newContextService(t)
				err := p.set(svc, st, tt.password)
				if !tt.refused {
					if err != nil {
						t.Fatalf("%q refused: %v", tt.password, err)
					}
					return
				}
				if got := accounts.ErrorFields(err)[p.field]; got != pwcheck.ErrContext.Error() {
					t.Fatalf("%q: %v, want %q on field %q", tt.password, err, pwcheck.ErrContext, p.field)
				}
				if st.writes != 0 {
					t.Errorf("%q: %d writes to the store, want none", tt.password, st.writes)
				}
			})
		}
	}
}

// The site's words are those the checker was given, and the user's are
// passed by ValidatePassword's callers: without them "jane2024" passes.
func TestValidatePasswordUsesTheGivenUser(t *testing.T) {
	svc, _ := newContextService(t)
	for _, tt := range []struct {
		email, username string
		refused         bool
	}{
		{"jane@example.org", "", true},
		{"mary@example.org", "jane", true},
		{"mary@example.org", "", false},
		{"", "", false},
	} {
		err := svc.ValidatePassword(context.Background(), "jane2024", tt.email, tt.username)
		if refused := accounts.ErrorMessage(err) == pwcheck.ErrContext.Error(); refused != tt.refused {
			t.Errorf("ValidatePassword(jane2024, %q, %q) = %v, want refused %v", tt.email, tt.username, err, tt.refused)
		}
	}
}

func newContextService(t *testing.T) (*accounts.Service, *memStore) {
	t.Helper()
	st := &memStore{}
	svc, err := accounts.NewService(st, plainHasher{}, accounts.Options{
		PasswordCheck: pwcheck.New(pwcheck.Options{ContextWords: []string{"invenio", "Zenodo"}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

// memStore is the little of accounts.Store that setting a password uses;
// any other method panics (nil embedded interface). It counts writes.
type memStore struct {
	accounts.Store
	writes int
}

// jane returns the user whose password the change and reset paths set.
func (m *memStore) jane() *accounts.User {
	hash, name := "plain:violet anchor 47", "JaneD"
	return &accounts.User{ID: 1, Email: "jane.doe@example.org", Password: &hash, Active: true,
		DisplayName: &name, VersionID: 1}
}

func (m *memStore) UserByEmail(context.Context, string) (*accounts.User, error) {
	return nil, accounts.Errorf(accounts.ENotFound, "no user")
}

func (m *memStore) CreateUser(_ context.Context, u *accounts.User) error {
	m.writes++
	u.ID = 1
	return nil
}

func (m *memStore) UpdateUser(context.Context, *accounts.User, bool) ([]string, error) {
	m.writes++
	return nil, nil
}

// plainHasher stores passwords as "plain:<password>" and requires 8
// characters; hashing is beside the point here.
type plainHasher struct{}

func (plainHasher) Hash(pw string) (string, error) { return "plain:" + pw, nil }
func (plainHasher) Verify(pw, stored string) (bool, bool) {
	return stored == "plain:"+pw, false
}
func (plainHasher) DummyVerify(string) {}
func (plainHasher) ValidateLength(pw string) error {
	if utf8.RuneCountInString(pw) < 8 {
		return errors.New("Password must be at least 8 characters")
	}
	return nil
}
