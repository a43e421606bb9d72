package httpserver_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/password"
)

// TestLoginDoesNotRevealAccounts: a wrong password for an existing account
// and any password for an unknown one get the same status, body and
// cookies, and take the same time (medians of 100 interleaved samples each
// within 20%), with password hashes of a real cost.
func TestLoginDoesNotRevealAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	h := newHarness(t)
	hasher, err := password.New(password.Policy{Salt: []byte(testSecret), Rounds: 25000})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.NewService(h.db, hasher, accounts.Options{Trackable: true, LoginWithoutConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(t.Context(), accounts.NewUser{Email: "known@example.org", Password: "correct horse", Active: true}); err != nil {
		t.Fatal(err)
	}
	srv, err := httpserver.New(httpserver.Options{Service: svc, Activity: h.db, Sessions: h.mgr, Secret: []byte(testSecret),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Settings: httpserver.Settings{LocalLoginEnabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	try := func(email string) (time.Duration, int, string, []string) {
		req, _ := http.NewRequest("POST", ts.URL+"/api/login", strings.NewReader(`{"email":"`+email+`","password":"wrong horse"}`))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		d := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var cookies []string
		for _, c := range resp.Cookies() {
			cookies = append(cookies, c.Name)
		}
		return d, resp.StatusCode, string(b), cookies
	}
	try("known@example.org") // warm up
	mk, mu := medians(100, func() (time.Duration, time.Duration) {
		dk, sk, bk, ck := try("known@example.org")
		du, su, bu, cu := try("unknown@example.org")
		if sk != su || bk != bu || !slices.Equal(ck, cu) {
			t.Fatalf("answers differ:\nknown   %d %s %v\nunknown %d %s %v", sk, bk, ck, su, bu, cu)
		}
		return dk, du
	})
	checkMedians(t, mk, mu, 0.2)
}

// medians calls sample n times (each call times one known and one unknown
// request, interleaved) and returns the median of each.
func medians(n int, sample func() (known, unknown time.Duration)) (time.Duration, time.Duration) {
	var known, unknown []time.Duration
	for range n {
		dk, du := sample()
		known, unknown = append(known, dk), append(unknown, du)
	}
	slices.Sort(known)
	slices.Sort(unknown)
	return known[n/2], unknown[n/2]
}

// checkMedians fails the test when the medians differ by more than the
// fraction bound.
func checkMedians(t *testing.T, known, unknown time.Duration, bound float64) {
	t.Helper()
	ratio := float64(known) / float64(unknown)
	t.Logf("median known %v, unknown %v, ratio %.2f", known, unknown, ratio)
	if ratio < 1-bound || ratio > 1+bound {
		t.Errorf("medians differ by more than %.0f%%: known %v, unknown %v", bound*100, known, unknown)
	}
}
