package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/testenv"
)

// changeLog records the ChangeNotifier's announcements.
type changeLog struct {
	mu    sync.Mutex
	users []int64
	all   int
}

func (c *changeLog) UserChanged(_ context.Context, id int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users = append(c.users, id)
	return nil
}

func (c *changeLog) AllUsersChanged(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all++
	return nil
}

func (c *changeLog) reset() (users []int64, all int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	users, all = c.users, c.all
	c.users, c.all = nil, 0
	return users, all
}

func roleNames(roles []accounts.Role) []string {
	var out []string
	for _, r := range roles {
		out = append(out, r.Name)
	}
	return out
}

// TestSessionUserCache: every change made through the service is seen by
// SessionUser at once and announced to the other nodes; a change made
// behind the service's back (another process's SQL) is seen once the TTL
// has passed, not before.
func TestSessionUserCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk := testenv.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		log := &changeLog{}
		svc := newService(t, db, accounts.Options{Now: clk.Now, Changes: log, UserCacheTTL: 2 * time.Second})
		u := mustCreate(t, svc, "cache@example.org")
		role, _, err := svc.CreateRole(ctx, "curator", "Curators")
		if err != nil {
			t.Fatal(err)
		}
		ref := accounts.UserRef(u.Email)
		steps := []struct {
			name    string
			change  func() error
			check   func(u *accounts.User, roles []accounts.Role) bool
			allUser bool // announced as a change to every user
		}{
			{"role added", func() error { _, _, err := svc.AddRole(ctx, ref, "curator"); return err },
				func(_ *accounts.User, r []accounts.Role) bool { return slices.Equal(roleNames(r), []string{"curator"}) }, false},
			{"role renamed", func() error { _, err := svc.UpdateRole(ctx, role.ID, "editor", "Editors", 0); return err }, func(_ *accounts.User, r []accounts.Role) bool { return slices.Equal(roleNames(r), []string{"editor"}) }, true},
			{"role removed", func() error { _, _, err := svc.RemoveRole(ctx, ref, "editor"); return err },
				func(_ *accounts.User, r []accounts.Role) bool { return len(r) == 0 }, false},
			{"confirmed", func() error {
				fresh, err := svc.FindUser(ctx, ref)
				if err != nil {
					return err
				}
				_, err = svc.Confirm(ctx, fresh)
				return err
			}, func(u *accounts.User, _ []accounts.Role) bool { return u.ConfirmedAt != nil }, false},
			{"login tracked", func() error {
				fresh, err := svc.FindUser(ctx, ref)
				if err != nil {
					return err
				}
				return svc.TrackLogin(ctx, fresh, "192.0.2.1")
			}, func(u *accounts.User, _ []accounts.Role) bool { return u.Login.LoginCount == 1 }, false},
			{"password changed", func() error {
				fresh, err := svc.FindUser(ctx, ref)
				if err != nil {
					return err
				}
				return svc.ChangePassword(ctx, fresh, "correct horse", "battery staple 2")
			}, func(u *accounts.User, _ []accounts.Role) bool { return u.VersionID > 2 }, false},
			{"deactivated", func() error { _, _, err := svc.Deactivate(ctx, ref); return err },
				func(u *accounts.User, _ []accounts.Role) bool { return !u.Active }, false},
		}
		for _, st := range steps {
			if _, _, err := svc.SessionUser(ctx, u.ID); err != nil { // fill the cache
				t.Fatal(err)
			}
			log.reset()
			if err := st.change(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			got, roles, err := svc.SessionUser(ctx, u.ID)
			if err != nil || !st.check(got, roles) {
				t.Errorf("%s: not seen at once; SessionUser = %v", st.name, describe(got, roles, err))
			}
			svc.WaitAnnouncements()
			users, all := log.reset()
			if st.allUser && all == 0 || !st.allUser && !slices.Contains(users, u.ID) {
				t.Errorf("%s: announced users %v, all %d", st.name, users, all)
			}
		}

		// Behind the service's back: seen after the TTL only.
		if _, _, err := svc.Activate(ctx, ref); err != nil {
			t.Fatal(err)
		}
		if got, _, err := svc.SessionUser(ctx, u.ID); err != nil || !got.Active {
			t.Fatalf("after activate: %+v %v", got, err)
		}
		mustExec(t, db, `UPDATE accounts_user SET active = false WHERE id = $1`, u.ID)
		clk.Advance(time.Second)
		if got, _, _ := svc.SessionUser(ctx, u.ID); !got.Active {
			t.Errorf("an outside change was read before the TTL: the cache is not used")
		}
		clk.Advance(time.Second)
		if got, _, _ := svc.SessionUser(ctx, u.ID); got.Active {
			t.Errorf("an outside change is not seen after the TTL")
		}
		// ForgetUser (another node's announcement) drops the entry at once.
		mustExec(t, db, `UPDATE accounts_user SET active = true WHERE id = $1`, u.ID)
		svc.ForgetUser(u.ID)
		if got, _, _ := svc.SessionUser(ctx, u.ID); !got.Active {
			t.Errorf("ForgetUser did not drop the cached user")
		}
		mustExec(t, db, `UPDATE accounts_user SET active = false WHERE id = $1`, u.ID)
		svc.ForgetUsers()
		if got, _, _ := svc.SessionUser(ctx, u.ID); got.Active {
			t.Errorf("ForgetUsers did not drop the cached user")
		}

		// Callers get copies: changing one does not change the cache.
		got, _, _ := svc.SessionUser(ctx, u.ID)
		got.Email = "changed@example.org"
		if again, _, _ := svc.SessionUser(ctx, u.ID); again.Email != u.Email {
			t.Errorf("the cached user was changed through a returned one: %q", again.Email)
		}
		if _, _, err := svc.SessionUser(ctx, u.ID+1000); accounts.ErrorCode(err) != accounts.ENotFound {
			t.Errorf("unknown user: %v, want ENotFound", err)
		}
	})
}

// stuckNotifier is a Redis that does not answer: each announcement waits
// for its context.
type stuckNotifier struct{ gave chan error }

func (n stuckNotifier) UserChanged(ctx context.Context, _ int64) error {
	<-ctx.Done()
	n.gave <- ctx.Err()
	return ctx.Err()
}

func (n stuckNotifier) AllUsersChanged(ctx context.Context) error { return n.UserChanged(ctx, 0) }

// TestAnnouncingDoesNotDelayChanges: with the other nodes unreachable, a
// change still returns at once (the announcement goes on beside it and
// gives up on its own), and WaitAnnouncements waits for it.
func TestAnnouncingDoesNotDelayChanges(t *testing.T) {
	db := migrated(t, openSQLite(t))
	n := stuckNotifier{gave: make(chan error, 1)}
	svc := newService(t, db, accounts.Options{Changes: n})
	u := mustCreate(t, svc, "stuck@example.org")
	svc.WaitAnnouncements() // a creation announces nothing, but be sure
	select {
	case <-n.gave:
	default:
	}
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { _, _, err := svc.Deactivate(ctx, accounts.UserRef(u.Email)); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case err := <-n.gave:
		t.Fatalf("the change waited for its announcement to give up (%v)", err)
	}
	if got, _, _ := svc.SessionUser(ctx, u.ID); got.Active {
		t.Error("the change is not seen here while the announcement waits")
	}
	svc.WaitAnnouncements()
	select {
	case err := <-n.gave:
		if err == nil {
			t.Error("the announcement returned without its timeout")
		}
	default:
		t.Error("WaitAnnouncements returned before the announcement was done")
	}
}

// TestSessionUserCacheOff: a negative TTL reads the database every time.
func TestSessionUserCacheOff(t *testing.T) {
	db := migrated(t, openSQLite(t))
	svc := newService(t, db, accounts.Options{UserCacheTTL: -1})
	u := mustCreate(t, svc, "nocache@example.org")
	ctx := context.Background()
	if _, _, err := svc.SessionUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, `UPDATE accounts_user SET active = false WHERE id = $1`, u.ID)
	if got, _, _ := svc.SessionUser(ctx, u.ID); got.Active {
		t.Errorf("with the cache off, an outside change is not seen at once")
	}
}

func describe(u *accounts.User, roles []accounts.Role, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("active=%v confirmed=%v logins=%d version=%d roles=%v",
		u.Active, u.ConfirmedAt != nil, u.Login.LoginCount, u.VersionID, roleNames(roles))
}

// BenchmarkSessionUser: the user and roles of an authenticated request,
// from the cache (the hot path) and, for comparison, from SQLite each time.
func BenchmarkSessionUser(b *testing.B) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", time.Hour}, {"uncached", -1}} {
		b.Run(c.name, func(b *testing.B) {
			db := migrated(b, openSQLite(b))
			svc := newService(b, db, accounts.Options{UserCacheTTL: c.ttl})
			u := mustCreate(b, svc, "bench@example.org")
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := svc.SessionUser(ctx, u.ID); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
