package httpserver_test

import (
	"fmt"
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
	checkAnswersAlike(t, 0.2, func(email string) answer {
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
		return answer{d, resp.StatusCode, string(b), cookies}
	})
}

// answer is one timed answer to a request about an address: its time and
// what a client sees of it.
type answer struct {
	d       time.Duration
	status  int
	body    string
	cookies []string
}

// checkAnswersAlike asks try about known@example.org and
// unknown@example.org, once each to warm up, then 100 times each,
// interleaved: each pair must answer alike (status, body, cookies), and the
// medians of their times may differ by at most the fraction bound. A round
// whose medians differ more is measured again, up to three rounds: a
// difference the code makes shows in every round, while a burst of load on
// a shared machine (other test packages run beside this one) passes.
func checkAnswersAlike(t *testing.T, bound float64, try func(email string) answer) {
	t.Helper()
	try("known@example.org")
	try("unknown@example.org")
	const n, rounds = 100, 3
	var ratios []string
	for range rounds {
		var known, unknown []time.Duration
		for range n {
			k, u := try("known@example.org"), try("unknown@example.org")
			if k.status != u.status || k.body != u.body || !slices.Equal(k.cookies, u.cookies) {
				t.Fatalf("answers differ:\nknown   %d %s %v\nunknown %d %s %v", k.status, k.body, k.cookies, u.status, u.body, u.cookies)
			}
			known, unknown = append(known, k.d), append(unknown, u.d)
		}
		slices.Sort(known)
		slices.Sort(unknown)
		ratio := float64(known[n/2]) / float64(unknown[n/2])
		t.Logf("median known %v, unknown %v, ratio %.2f", known[n/2], unknown[n/2], ratio)
		if ratio >= 1-bound && ratio <= 1+bound {
			return
		}
		ratios = append(ratios, fmt.Sprintf("%.2f", ratio))
	}
	t.Errorf("medians differ by more than %.0f%% in %d rounds of %d: known/unknown %s", bound*100, rounds, n,
		strings.Join(ratios, ", "))
}
