package pwcheck

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestContextWords(t *testing.T) {
	tests := []struct {
		name   string
		inputs []string
		want   []string
	}{
		{"site words", []string{"invenio", "Zenodo"}, []string{"invenio", "zenodo"}},
		{"site name of several words", []string{"CERN Document Server"}, []string{"cerndocumentserver", "cern", "document", "server"}},
		{"email", []string{"Jane.Doe@Example.org"}, []string{"janedoeexampleorg", "janedoe", "exampleorg", "jane", "doe", "example", "org"}},
		{"digits at the ends dropped", []string{"jane1985@mail2.example.org"}, []string{"jane1985mail2exampleorg", "jane", "mail2exampleorg", "mail", "example", "org"}},
		{"short words dropped", []string{"jo@ex.io"}, []string{"joexio", "exio"}},
		{"username, repeated words once", []string{"jane@example.org", "Jane"}, []string{"janeexampleorg", "jane", "exampleorg", "example", "org"}},
		{"letters of any script", []string{"Zoë@Exämple.org"}, []string{"zoëexämpleorg", "zoë", "exämpleorg", "exämple", "org"}},
		{"nothing", []string{"", "12345", "a.b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, contextWords(tt.inputs...)); diff != "" {
				t.Errorf("contextWords(%q) mismatch (-want +got):\n%s", tt.inputs, diff)
			}
		})
	}
}

// TestCheckContextWords: with the site words "invenio" and "Zenodo", a
// password is refused when, folded and without the digits at its ends, it
// is more than half made of those words or of the user's email address and
// username, and allowed otherwise.
func TestCheckContextWords(t *testing.T) {
	jane := []string{"jane.doe@example.org", "JaneD"}
	tests := []struct {
		password string
		user     []string
		refused  bool
	}{
		// The site's words.
		{"Invenio123", nil, true},
		{"invenio2024!", jane, true},
		{"!!ZENODO!!", nil, true},
		{"myzenodo", nil, true},
		{"2024 zenodo invenio", nil, true},
		// The user's email address: local part, its words, the domain.
		{"jane2024", jane, true},
		{"1985jane1985", jane, true},
		{"Jane_Doe_1987", jane, true},
		{"janedoe", jane, true},
		{"jane.doe@example.org", jane, true},
		{"example.org!", jane, true},
		{"doejane99", jane, true},
		// The username.
		{"JaneD2024", jane, true},
		// More than half: 4 of "janexkq"'s 7, not 4 of "janex7kq"'s 8.
		{"janexkq", jane, true},
		{"janex7kq", jane, false},
		// Letters of any script, compared in lower case.
		{"ZOË!2024", []string{"zoë@example.org"}, true},
		// Allowed: another user's words, words that are only a part, short
		// words, no letters at all.
		{"jane2024", []string{"mary@example.org"}, false},
		{"jane2024", nil, false},
		{"zenodo is where my research lives", nil, false},
		{"my friend jane loves hiking", jane, false},
		{"jo123456", []string{"jo@ex.io"}, false},
		{"20250417", jane, false},
		{"correct horse battery staple", jane, false},
	}
	c := New(Options{ContextWords: []string{"invenio", "Zenodo"}, Client: noNetwork(t)})
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			err := c.Check(context.Background(), tt.password, tt.user...)
			switch {
			case tt.refused && !errors.Is(err, ErrContext):
				t.Errorf("Check(%q, %q) = %v, want ErrContext", tt.password, tt.user, err)
			case !tt.refused && err != nil:
				t.Errorf("Check(%q, %q) = %v, want nil", tt.password, tt.user, err)
			}
		})
	}
}

// Without ContextWords only the user's own words count, and the blocklist
// answers first.
func TestCheckContextWordsOptional(t *testing.T) {
	c := New(Options{Client: noNetwork(t)})
	for _, tt := range []struct {
		password string
		user     []string
		want     error
	}{
		{"invenio123", nil, nil},
		{"jane2024", []string{"jane@example.org"}, ErrContext},
		{"password1", []string{"password@example.org"}, ErrCommon},
	} {
		if err := c.Check(context.Background(), tt.password, tt.user...); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("Check(%q, %q) = %v, want %v", tt.password, tt.user, err, tt.want)
		}
	}
}

// FuzzMadeOfWords checks, for any password and user input, that nothing
// panics, that every word is folded and long enough, and that a password is
// always made of its own words once it has a core of minContextWord or more.
func FuzzMadeOfWords(f *testing.F) {
	for _, seed := range [][2]string{
		{"Jane_Doe_1987", "jane.doe@example.org"},
		{"ZOË!2024", "zoë@example.org"},
		{"\xff\xfeinvenio", "\xffinvenio@"},
		{"2024", "@@@"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, password, input string) {
		words := contextWords(input)
		for _, w := range words {
			if w != fold(w) || w != trimDigits(w) || len([]rune(w)) < minContextWord {
				t.Fatalf("contextWords(%q) holds %q", input, w)
			}
		}
		_ = madeOfWords(password, words)
		if core := trimDigits(fold(password)); len([]rune(core)) >= minContextWord && !madeOfWords(password, contextWords(password)) {
			t.Fatalf("%q is not made of its own words %q", password, contextWords(password))
		}
	})
}
