package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/jobs"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

// TestCleanupMillionRowsDuringLogins measures clean-sessions on 1,000,000
// expired rows in PostgreSQL while logins run, against the same logins on
// an idle database. It is a measurement, not a pass/fail timing: it runs
// only with ACCOUNTS_BENCH_CLEANUP=N (the number of rows) and prints the
// figures for docs/performance.md.
func TestCleanupMillionRowsDuringLogins(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ACCOUNTS_BENCH_CLEANUP"))
	if n <= 0 {
		t.Skip("set ACCOUNTS_BENCH_CLEANUP=1000000 to measure")
	}
	db := migrated(t, openPostgres(t))
	ctx := context.Background()
	svc := newService(t, db, accounts.Options{})
	var users []*accounts.User
	for w := 0; w < 4; w++ {
		users = append(users, mustCreate(t, svc, fmt.Sprintf("load%d@example.org", w)))
	}
	u := users[0]
	start := time.Now()
	mustExec(t, db, `INSERT INTO accounts_user_session_activity (created, updated, sid_s, user_id, ip)
		SELECT now() - interval '40 days', now() - interval '40 days',
			lpad(to_hex(g), 32, '0') || '_5e0c5f90', $1, '192.0.2.1' FROM generate_series(1, $2) AS g`, u.ID, n)
	mustExec(t, db, `VACUUM ANALYZE accounts_user_session_activity`)
	t.Logf("seeded %d rows in %v", n, time.Since(start).Round(time.Millisecond))

	idle := loginLatencies(t, db, svc, users, 5*time.Second, nil)
	done := make(chan jobs.Result, 1)
	go func() {
		res, err := jobs.New(db, nil, jobs.Options{SessionLifetime: lifetime, BatchSize: 1000}).Run(ctx, jobs.CleanSessions, nil)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	busy := loginLatencies(t, db, svc, users, 0, done)
	res := <-done
	p := func(d []time.Duration, q float64) time.Duration { return d[int(float64(len(d)-1)*q)] }
	fmt.Printf("clean-sessions: %d rows in %d batches, %v\n", res.Rows, res.Batches, res.Duration.Round(time.Millisecond))
	fmt.Printf("login p50/p99 idle: %v / %v (%d logins); during cleanup: %v / %v (%d logins); p99 ratio %.2f\n",
		p(idle, .5), p(idle, .99), len(idle), p(busy, .5), p(busy, .99), len(busy),
		float64(p(busy, .99))/float64(p(idle, .99)))
}

// loginLatencies runs logins from one worker per user (so that they do not
// queue on one user's rows) for d, or until stop yields (the result is put
// back), and returns the sorted latencies.
func loginLatencies(t *testing.T, db *sqlstore.DB, svc *accounts.Service, users []*accounts.User, d time.Duration, stop chan jobs.Result) []time.Duration {
	ctx := context.Background()
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(d)
	finished := func() bool {
		if stop == nil {
			return time.Now().After(deadline)
		}
		select {
		case r := <-stop:
			stop <- r
			return true
		default:
			return false
		}
	}
	var wg sync.WaitGroup
	for w, u := range users {
		wg.Add(1)
		go func(w int, u *accounts.User) {
			defer wg.Done()
			for i := 0; !finished(); i++ {
				t0 := time.Now()
				if _, err := svc.Authenticate(ctx, accounts.LoginAttempt{Email: u.Email, Password: "correct horse", IP: "192.0.2.2"}); err != nil {
					t.Error(err)
					return
				}
				now := time.Now().UTC()
				sid := fmt.Sprintf("%031x%d_%x", i, w, now.Unix())
				if err := db.CreateSessionActivity(ctx, &accounts.SessionActivity{SID: sid, UserID: u.ID, Created: now, Updated: now}); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}(w, u)
	}
	wg.Wait()
	slices.Sort(lat)
	return lat
}
