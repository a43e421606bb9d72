package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

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
			u, err := a.svc.FindUser(cmd.Context(), accounts.UserRef(args[0]))
			if accounts.ErrorCode(err) == accounts.ENotFound {
				return usagef("ERROR: User not found.")
			} else if err != nil {
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
	cmd := &cobra.Command{
		Use:   "revoke [ID] [--user USER]",
		Short: "End one session (by the id `sessions list` shows) or every session of a user.",
		Args: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (user != "") || len(args) > 1 {
				return usagef("Give a session ID or --user USER (one of them).")
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
			if user != "" {
				return revokeUser(cmd, e, a, mgr, user)
			}
			return revokeOne(cmd, e, a, mgr, args[0])
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "end every session of this user (an email or a numeric id)")
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
	u, err := a.svc.FindUser(cmd.Context(), accounts.UserRef(ref))
	if accounts.ErrorCode(err) == accounts.ENotFound {
		return usagef("ERROR: User not found.")
	} else if err != nil {
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
