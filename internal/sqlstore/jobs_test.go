package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/jobs"
	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/session/memstore"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

const lifetime = 31 * 24 * time.Hour

// seedActivity inserts n session rows for the user, created at the time.
func seedActivity(t *testing.T, db *sqlstore.DB, uid int64, prefix string, n int, created time.Time) []string {
	t.Helper()
	var sids []string
	for i := 0; i < n; i++ {
		sid := fmt.Sprintf("%s%024x_%x", prefix, i, created.Unix())
		ip := "192.0.2.9"
		if err := db.CreateSessionActivity(context.Background(), &accounts.SessionActivity{
			SID: sid, UserID: uid, Created: created, Updated: created, IP: &ip}); err != nil {
			t.Fatal(err)
		}
		sids = append(sids, sid)
	}
	return sids
}

func countRows(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCleanSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		u := mustCreate(t, newService(t, db, accounts.Options{}), "jobs@example.org")
		now := time.Now().UTC().Truncate(time.Second)
		expired := seedActivity(t, db, u.ID, "00000000", 2500, now.Add(-lifetime-time.Hour))
		seedActivity(t, db, u.ID, "ffffffff", 10, now.Add(-time.Hour))
		store := memstore.New(memstore.Options{})
		defer store.Close()
		mgr, err := session.New(store, session.Options{Secret: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		for _, sid := range expired[:5] {
			store.Put(ctx, sid, []byte("{}"), time.Hour)
		}
		r := jobs.New(db, mgr, jobs.Options{SessionLifetime: lifetime, BatchSize: 1000})
		res, err := r.Run(ctx, jobs.CleanSessions, nil)
		if err != nil || res.Rows != 2500 || res.Batches != 3 {
			t.Fatalf("clean-sessions: %+v, %v; want 2500 rows in 3 batches", res, err)
		}
		if n := countRows(t, db, `SELECT count(*) FROM accounts_user_session_activity`); n != 10 {
			t.Errorf("%d rows left, want the 10 fresh ones", n)
		}
		if _, err := store.Get(ctx, expired[0]); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("the stored session of an expired row is still there: %v", err)
		}
	})
}

func TestJobsOnSeveralNodesDoNotDouble(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		u := mustCreate(t, newService(t, db, accounts.Options{}), "nodes@example.org")
		seedActivity(t, db, u.ID, "0000", 3000, time.Now().UTC().Add(-lifetime-time.Hour))
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := jobs.New(db, nil, jobs.Options{SessionLifetime: lifetime, BatchSize: 200}).Run(ctx, jobs.CleanSessions, nil)
				if err != nil {
					t.Errorf("node: %v", err)
				}
				mu.Lock()
				total += res.Rows
				mu.Unlock()
			}()
		}
		wg.Wait()
		if left := countRows(t, db, `SELECT count(*) FROM accounts_user_session_activity`); left != 0 || total != 3000 {
			t.Errorf("3 nodes: %d rows left, %d deleted in all; want 0 and 3000", left, total)
		}
	})
}

func TestInterruptedJobIsFinishedByTheNextRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		u := mustCreate(t, newService(t, db, accounts.Options{}), "stop@example.org")
		seedActivity(t, db, u.ID, "0000", 1500, time.Now().UTC().Add(-lifetime-time.Hour))
		ctx, cancel := context.WithCancel(context.Background())
		r := jobs.New(db, nil, jobs.Options{SessionLifetime: lifetime, BatchSize: 500})
		res, err := r.Run(ctx, jobs.CleanSessions, func(rows, batches int) { cancel() })
		if !errors.Is(err, context.Canceled) || res.Rows != 500 {
			t.Fatalf("interrupted run: %+v %v", res, err)
		}
		if res, err := r.Run(context.Background(), jobs.CleanSessions, nil); err != nil || res.Rows != 1000 {
			t.Errorf("next run: %+v %v", res, err)
		}
	})
}

func TestDeleteIPs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		now := time.Now().UTC().Truncate(time.Second)
		old, recent := mustCreate(t, svc, "old@example.org"), mustCreate(t, svc, "recent@example.org")
		mustExec(t, db, `INSERT INTO accounts_user_login_information VALUES ($1, $2, '10.0.0.1', $2, '10.0.0.2', 3)`, old.ID, now.AddDate(0, 0, -40))
		mustExec(t, db, `INSERT INTO accounts_user_login_information VALUES ($1, $2, '10.0.0.3', $3, '10.0.0.4', 3)`, recent.ID, now, now.AddDate(0, 0, -40))
		seedActivity(t, db, old.ID, "aaaa", 3, now.AddDate(0, 0, -40))
		seedActivity(t, db, old.ID, "bbbb", 2, now)
		r := jobs.New(db, nil, jobs.Options{Retention: 30 * 24 * time.Hour, BatchSize: 2})
		if _, err := r.Run(ctx, jobs.DeleteIPs, nil); err != nil {
			t.Fatal(err)
		}
		oldU, _ := db.UserByID(ctx, old.ID)
		newU, _ := db.UserByID(ctx, recent.ID)
		if oldU.Login.CurrentLoginIP != nil || oldU.Login.LastLoginIP != nil {
			t.Errorf("old IPs kept: %v %v", oldU.Login.CurrentLoginIP, oldU.Login.LastLoginIP)
		}
		if newU.Login.CurrentLoginIP == nil || newU.Login.LastLoginIP != nil {
			t.Errorf("recent user: current %v (keep), last %v (forget)", newU.Login.CurrentLoginIP, newU.Login.LastLoginIP)
		}
		if n := countRows(t, db, `SELECT count(*) FROM accounts_user_session_activity WHERE ip IS NOT NULL`); n != 2 {
			t.Errorf("%d session rows keep an IP, want the 2 recent ones", n)
		}
	})
}

func TestUpdateDomainStatus(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		now := time.Now().UTC()
		for _, e := range []string{"a@cern.ch", "b@cern.ch", "c@cern.ch", "d@zenodo.org"} {
			mustCreate(t, svc, e)
		}
		if _, _, err := svc.Block(ctx, "c@cern.ch"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Verify(ctx, "a@cern.ch"); err != nil {
			t.Fatal(err)
		}
		for i, d := range []string{"cern.ch", "zenodo.org", "empty.org"} {
			mustExec(t, db, `INSERT INTO accounts_domains (created, updated, id, domain, tld, status, flagged, flagged_source,
				num_users, num_active, num_inactive, num_confirmed, num_verified, num_blocked)
				VALUES ($1, $1, $2, $3, 'x', 1, false, '', 0, 0, 0, 0, 0, 7)`, now, i+1, d)
		}
		r := jobs.New(db, nil, jobs.Options{BatchSize: 1})
		res, err := r.Run(ctx, jobs.UpdateDomainStatus, nil)
		if err != nil || res.Rows != 2 {
			t.Fatalf("update-domain-status: %+v %v; want 2 rows", res, err)
		}
		var users, active, inactive, confirmed, verified, blocked int
		db.SQL().QueryRow(`SELECT num_users, num_active, num_inactive, num_confirmed, num_verified, num_blocked
			FROM accounts_domains WHERE domain = 'cern.ch'`).Scan(&users, &active, &inactive, &confirmed, &verified, &blocked)
		if got := [6]int{users, active, inactive, confirmed, verified, blocked}; got != [6]int{3, 2, 1, 1, 1, 1} {
			t.Errorf("cern.ch counters %v, want [3 2 1 1 1 1]", got)
		}
		if n := countRows(t, db, `SELECT num_blocked FROM accounts_domains WHERE domain = 'empty.org'`); n != 7 {
			t.Errorf("a domain without users was reset")
		}
		if res, _ := r.Run(ctx, jobs.UpdateDomainStatus, nil); res.Rows != 0 {
			t.Errorf("second run changed %d rows", res.Rows)
		}
	})
}
