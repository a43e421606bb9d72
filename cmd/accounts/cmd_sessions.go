package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/session"
)

func newSessionsCmd(e *env) *cobra.Command {
	return group("sessions", "Session commands.", newSessionsListCmd(e), newSessionsRevokeCmd(e))
}

func newSessionsListCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list USER",
		Short: "List a user's sessions (USER is an email or a numeric id).",
		Args:  exactArgs("USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			u, err := a.user(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rows, err := a.db.UserSessionActivities(cmd.Context(), u.ID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCREATED\tLAST SEEN\tIP\tCOUNTRY\tBROWSER\tOS\tDEVICE")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.SID, r.Created.Format("2006-01-02 15:04"),
					r.Updated.Format("2006-01-02 15:04"), str(r.IP), str(r.Country), str(r.Browser)+" "+str(r.BrowserVersion),
					str(r.OS), str(r.Device))
			}
			return tw.Flush()
		},
	}
}

func str(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}

func newSessionsRevokeCmd(e *env) *cobra.Command {
	var user string
	var all bool
	cmd := &cobra.Command{
		Use:   "revoke [ID] [--user USER] [--all]",
		Short: "End one session (by the id `sessions list` shows), every session of a user, or every session.",
		Long: `End one session (by the id ` + "`sessions list`" + ` shows), every session of a user (--user), or
every session of every user (--all). With the Redis store (ACCOUNTS_SESSION_REDIS_URL)
every node refuses an ended session at once; with the in-memory store, within 2 seconds:
each node re-checks a logged-in session against its database row that often.

--all ends every session on every node:
  1. It deletes every session-activity row, with the stored session of each,
     which ends every session that a row lists, on any store.
  2. With the Redis store, it also bumps the session generation of every
     user (one Redis command per user), which ends at once every session
     stored in Redis, including those that no row lists
     (ACCOUNTS_SESSION_ACTIVITY_ENABLED off).
  3. It deletes the rows again, catching any that PostgreSQL kept locked
     during the first pass.
Sessions made while it runs may end too. With the in-memory store and
ACCOUNTS_SESSION_ACTIVITY_ENABLED off, only the serve processes know their
sessions: the command refuses, and restarting them ends every session.
No confirmation is asked (as for users block): --all is the confirmation.`,
		Args: func(cmd *cobra.Command, args []string) error {
			given := len(args)
			for _, set := range []bool{user != "", all} {
				if set {
					given++
				}
			}
			if given != 1 || len(args) > 1 {
				return usagef("Give a session ID, --user USER or --all (one of them).")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			mgr, closeStore, err := a.sessionManager()
			if err != nil {
				return err
			}
			defer closeStore()
			switch {
			case all:
				return revokeAll(cmd, e, a, mgr)
			case user != "":
				return revokeUser(cmd, e, a, mgr, user)
			}
			return revokeOne(cmd, e, a, mgr, args[0])
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "end every session of this user (an email or a numeric id)")
	cmd.Flags().BoolVar(&all, "all", false, "end every session of every user (see above)")
	return cmd
}

func revokeOne(cmd *cobra.Command, e *env, a *app, mgr *session.Manager, sid string) error {
	deleted, err := a.db.DeleteSessionActivity(cmd.Context(), sid)
	if err != nil {
		return err
	}
	if err := mgr.Revoke(cmd.Context(), sid); err != nil && !errors.Is(err, session.ErrInvalidID) {
		return err
	}
	if !deleted {
		return usagef("No session %q.", sid)
	}
	fmt.Fprintf(e.stdout, "Session %s revoked.\n", sid)
	return nil
}

func revokeUser(cmd *cobra.Command, e *env, a *app, mgr *session.Manager, ref string) error {
	u, err := a.user(cmd.Context(), ref)
	if err != nil {
		return err
	}
	rows, err := a.db.UserSessionActivities(cmd.Context(), u.ID)
	if err != nil {
		return err
	}
	var sids []string
	for _, r := range rows {
		if _, err := a.db.DeleteSessionActivity(cmd.Context(), r.SID); err != nil {
			return err
		}
		sids = append(sids, r.SID)
	}
	if err := mgr.EndUserSessions(cmd.Context(), u.ID, sids); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d sessions of user \"%s\" revoked.\n", len(sids), ref)
	return nil
}

// revokeBatch is how many session rows revokeAll deletes per transaction.
const revokeBatch = 1000

// revokeAll ends every session of every user, as the revoke command's help
// describes.
func revokeAll(cmd *cobra.Command, e *env, a *app, mgr *session.Manager) error {
	ctx := cmd.Context()
	redis := a.cfg.SessionRedisURL != ""
	if !redis && !a.cfg.SessionActivityEnabled {
		return usagef("Sessions are kept in the memory of each serve process and no database row lists them " +
			"(ACCOUNTS_SESSION_ACTIVITY_ENABLED is off): restart the serve processes to end every session.")
	}
	rows, err := revokeAllRows(ctx, a, mgr)
	if err != nil {
		return err
	}
	users := 0
	if redis {
		if users, err = revokeAllUsers(ctx, a, mgr); err != nil {
			return fmt.Errorf("%d session rows deleted, then: %w", rows, err)
		}
	}
	more, err := revokeAllRows(ctx, a, mgr)
	rows += more
	if err != nil {
		return err
	}
	if redis {
		fmt.Fprintf(e.stdout, "All sessions revoked: %d session rows deleted, the sessions of %d users ended in Redis.\n", rows, users)
	} else {
		fmt.Fprintf(e.stdout, "All sessions revoked: %d session rows deleted; every node refuses their sessions within 2 seconds.\n", rows)
	}
	return nil
}

// revokeAllRows deletes every session-activity row, batch after batch, and
// the stored session of each; it returns how many rows it deleted.
func revokeAllRows(ctx context.Context, a *app, mgr *session.Manager) (int, error) {
	// Every row, even one a node whose clock is ahead has just written.
	cutoff := time.Now().UTC().Add(24 * time.Hour)
	n := 0
	for {
		sids, err := a.db.DeleteExpiredSessionActivities(ctx, cutoff, revokeBatch)
		n += len(sids)
		if err != nil {
			return n, fmt.Errorf("delete session rows: %w", err)
		}
		for _, sid := range sids {
			if err := mgr.Revoke(ctx, sid); err != nil && !errors.Is(err, session.ErrInvalidID) {
				return n, err
			}
		}
		if len(sids) < revokeBatch {
			return n, nil
		}
	}
}

// revokeAllUsers bumps the session generation of every user, in the order
// of their ids (users are never deleted, so paging misses none); it returns
// how many users it went through.
func revokeAllUsers(ctx context.Context, a *app, mgr *session.Manager) (int, error) {
	n := 0
	for page := 1; ; page++ {
		q := accounts.UserQuery{Page: page, Size: revokeBatch}
		users, _, err := a.db.ListUsers(ctx, q)
		if err != nil {
			return n, fmt.Errorf("list users: %w", err)
		}
		for _, u := range users {
			if err := mgr.RevokeUser(ctx, u.ID); err != nil {
				return n, err
			}
			n++
		}
		if len(users) < q.Limit() {
			return n, nil
		}
	}
}
