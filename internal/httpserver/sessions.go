package httpserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/session"
)

// recheckAfter is how stale a node's view of a session may get: a session
// whose activity row was deleted (a revocation by the CLI, by another node
// without Redis, or a delete Redis lost) ends within this time.
const recheckAfter = 2 * time.Second

// sessionChecks remembers when each session was last checked against the
// database. It is bounded: when full it is emptied, which only costs
// re-checks.
type sessionChecks struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

const maxSessionChecks = 100_000

func (c *sessionChecks) due(sid string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.seen[sid]
	return !ok || now.Sub(t) >= recheckAfter
}

func (c *sessionChecks) mark(sid string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil || len(c.seen) >= maxSessionChecks {
		c.seen = map[string]time.Time{}
	}
	c.seen[sid] = now
}

func (c *sessionChecks) forget(sid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seen, sid)
}

// sessionAlive checks a logged-in session against its activity row (when
// activity is tracked), at most every recheckAfter, and refreshes the row's
// last-seen time and IP when the session records a new LastSeen.
func (s *Server) sessionAlive(r *http.Request, uid int64) (bool, error) {
	st := stateOf(r)
	sid := st.sess.ID()
	if !s.set.SessionActivityEnabled || sid == "" {
		return true, nil
	}
	now := s.opts.Now()
	if !st.sess.SeenDue() && !s.checks.due(sid, now) {
		return true, nil
	}
	row, err := s.opts.Activity.SessionActivity(r.Context(), sid)
	if accounts.ErrorCode(err) == accounts.ENotFound || (err == nil && row.UserID != uid) {
		s.checks.forget(sid)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.checks.mark(sid, now)
	if st.sess.SeenDue() {
		var ip *string
		if st.ip != "" {
			ip = &st.ip
		}
		if err := s.opts.Activity.TouchSessionActivity(r.Context(), sid, now.UTC(), ip); err != nil {
			return false, err
		}
	}
	return true, nil
}

// revokeSession ends one of the user's sessions: its stored session and its
// activity row. found is false when the user has no session of that id.
func (s *Server) revokeSession(ctx context.Context, uid int64, sid string) (found bool, err error) {
	row, err := s.opts.Activity.SessionActivity(ctx, sid)
	if accounts.ErrorCode(err) == accounts.ENotFound || (err == nil && row.UserID != uid) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// Rows written by Invenio carry its own sid_s, under which nothing of
	// ours is stored: deleting the row is enough for them.
	if err := s.opts.Sessions.Revoke(ctx, sid); err != nil && !errors.Is(err, session.ErrInvalidID) {
		return false, err
	}
	if _, err := s.opts.Activity.DeleteSessionActivity(ctx, sid); err != nil {
		return false, fmt.Errorf("delete session activity: %w", err)
	}
	s.checks.forget(sid)
	return true, nil
}

// revokeOtherSessions ends every session of the request's user but this
// one: a new generation for the user (so sessions without a row end too),
// this session renewed under it, and the other rows deleted.
func (s *Server) revokeOtherSessions(w http.ResponseWriter, r *http.Request, uid int64) error {
	st := stateOf(r)
	rows, err := s.opts.Activity.UserSessionActivities(r.Context(), uid)
	if err != nil {
		return err
	}
	old := st.sess.ID()
	if err := s.opts.Sessions.RevokeOthers(r.Context(), st.sess); err != nil {
		return err
	}
	if err := s.saveSession(w, r); err != nil {
		return err
	}
	for _, row := range rows {
		if row.SID == old {
			continue
		}
		if _, err := s.revokeSession(r.Context(), uid, row.SID); err != nil {
			return err
		}
	}
	// This session has a new id: move its row.
	return s.moveActivity(r.Context(), old, st.sess.ID())
}

// moveActivity re-keys the current session's row after a renewal.
func (s *Server) moveActivity(ctx context.Context, from, to string) error {
	if from == "" || from == to {
		return nil
	}
	row, err := s.opts.Activity.SessionActivity(ctx, from)
	if accounts.ErrorCode(err) == accounts.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	row.SID = to
	if err := s.opts.Activity.CreateSessionActivity(ctx, row); err != nil {
		return err
	}
	_, err = s.opts.Activity.DeleteSessionActivity(ctx, from)
	return err
}

// requireLogin returns the logged-in user, or redirects to the login page
// with Invenio's flash and ?next and returns nil.
func (s *Server) requireLogin(w http.ResponseWriter, r *http.Request) *accounts.User {
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	if u == nil {
		stateOf(r).sess.AddFlash("info", "Please log in to access this page.")
		s.redirect(w, r, s.set.LoginURL+"?next="+url.QueryEscape(r.URL.RequestURI()))
	}
	return u
}
