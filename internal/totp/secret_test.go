package totp

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two secrets are both %s", a)
	}
	for _, s := range []string{a, b} {
		if len(s) != 32 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
			t.Errorf("secret %q is not 32 upper-case base32 characters", s)
		}
		raw, err := base32.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != 20 {
			t.Errorf("secret %q decodes to %d bytes, %v; want 20", s, len(raw), err)
		}
		if _, err := Code(s, 1); err != nil {
			t.Errorf("Code(%q): %v", s, err)
		}
	}
}

func TestURI(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	tests := []struct {
		name, issuer, account string
		wantLabel             string // escaped
		wantIssuer            bool
	}{
		{"plain", "Invenio", "alice@example.org", "Invenio:alice@example.org", true},
		{"spaces", "Zenodo Sandbox", "bob smith", "Zenodo%20Sandbox:bob%20smith", true},
		{"colon and ampersand", "Example Co: R&D", "a:b&c=d+e", "Example%20Co%3A%20R%26D:a%3Ab%26c%3Dd%2Be", true},
		{"unicode and slash", "Zürich/CERN", "?#%", "Z%C3%BCrich%2FCERN:%3F%23%25", true},
		{"no issuer", "", "alice@example.org", "alice@example.org", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := URI(tc.issuer, tc.account, secret)
			if strings.ContainsAny(raw, " +") {
				t.Errorf("URI %q has a space or a '+'", raw)
			}
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme != "otpauth" || u.Host != "totp" {
				t.Errorf("scheme, host = %q, %q", u.Scheme, u.Host)
			}
			label := strings.TrimPrefix(u.EscapedPath(), "/")
			if label != tc.wantLabel {
				t.Errorf("label = %q, want %q", label, tc.wantLabel)
			}
			// The one literal colon separates issuer and account.
			parts := strings.Split(label, ":")
			if tc.wantIssuer {
				if len(parts) != 2 {
					t.Fatalf("label %q has %d parts", label, len(parts))
				}
				if iss, err := url.PathUnescape(parts[0]); err != nil || iss != tc.issuer {
					t.Errorf("label issuer = %q, %v, want %q", iss, err, tc.issuer)
				}
				parts = parts[1:]
			}
			if acc, err := url.PathUnescape(parts[0]); len(parts) != 1 || err != nil || acc != tc.account {
				t.Errorf("label account = %q, %v, want %q", acc, err, tc.account)
			}
			want := url.Values{
				"secret":    {secret},
				"algorithm": {"SHA1"},
				"digits":    {"6"},
				"period":    {"30"},
			}
			if tc.wantIssuer {
				want["issuer"] = []string{tc.issuer}
			}
			if diff := cmp.Diff(want, u.Query()); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}
