package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/invenio-go/accounts/internal/accounts"
)

func newUsersCmd(e *env) *cobra.Command {
	return group("users", "User commands.",
		newUsersCreateCmd(e),
		newUserStateCmd(e, "activate", "Activate a user.", "activated", (*accounts.Service).Activate),
		newUserStateCmd(e, "deactivate", "Deactivate a user (and end their sessions).", "deactivated", (*accounts.Service).Deactivate),
		newUserStateCmd(e, "block", "Block a user (and end their sessions).", "blocked", (*accounts.Service).Block),
		newUserStateCmd(e, "verify", "Verify a user.", "verified", (*accounts.Service).Verify),
		newUserStateCmd(e, "restore", "Unblock and activate a user.", "restored", (*accounts.Service).Restore),
		newUsersListCmd(e),
		newUsersResetTwoFactorCmd(e),
	)
}

// newUsersResetTwoFactorCmd removes a user's two-factor authentication:
// the way back for an admin who lost the device and the recovery codes.
func newUsersResetTwoFactorCmd(e *env) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "reset-two-factor USER",
		Short: "Remove a user's authenticator and recovery codes (a lost device); the next login asks for the password only. USER is an email or a numeric id.",
		Args:  exactArgs("USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			u, err := a.user(ctx, args[0])
			if err != nil {
				return err
			}
			done, err := a.svc.DisableTOTP(ctx, u.ID)
			if err != nil {
				return err
			}
			if !done {
				fmt.Fprintf(e.stdout, "User \"%s\" has no two-factor authentication.\n", args[0])
				return nil
			}
			if err := a.svc.Audit(ctx, accounts.AuditEntry{Event: accounts.AuditTwoFactorDisabled,
				TargetID: u.ID, TargetEmail: u.Email, Object: "command line", Reason: reason}); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Two-factor authentication of user \"%s\" has been reset.\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, kept in the audit log")
	return cmd
}

func newUsersCreateCmd(e *env) *cobra.Command {
	var (
		pw                       string
		active, confirm, noPassw bool
		profile, username        string
	)
	cmd := &cobra.Command{
		Use:   "create EMAIL",
		Short: "Create a user (inactive unless --active, as in Invenio).",
		Long: "Create a user. The password is asked for twice, hidden, when --password is not given\n" +
			"(read from standard input when it is not a terminal).",
		Args: exactArgs("EMAIL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if !cmd.Flags().Changed("password") && !noPassw {
				if pw, err = e.promptPassword(); err != nil {
					return err
				}
			}
			in := accounts.NewUser{Email: args[0], Password: pw, Active: active, Confirmed: confirm,
				Username: username, NoPassword: noPassw}
			if profile != "" {
				in.Profile = json.RawMessage(profile)
			}
			u, err := a.svc.CreateUser(cmd.Context(), in)
			if err != nil {
				if fields := accounts.ErrorFields(err); fields != nil {
					return usagef("Error creating user. %s", formErrors(fields))
				}
				return err
			}
			fmt.Fprintln(e.stdout, "User created successfully.")
			fmt.Fprintln(e.stdout, createdSummary(u, profile != ""))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&pw, "password", "", "the password (prompted for when omitted)")
	f.BoolVarP(&active, "active", "a", false, "create the user active")
	f.BoolVarP(&confirm, "confirm", "c", false, "mark the email as confirmed")
	f.StringVarP(&profile, "profile", "p", "", `profile as JSON, e.g. '{"full_name": "Jane Doe"}'`)
	f.StringVarP(&username, "username", "u", "", "username")
	f.BoolVar(&noPassw, "no-password", false, "create a user without a password (external login only)")
	return cmd
}

// formErrors renders field errors as Invenio prints WTForms errors.
func formErrors(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("'%s': ['%s']", k, fields[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func createdSummary(u *accounts.User, withProfile bool) string {
	parts := []string{fmt.Sprintf("'id': %d", u.ID), fmt.Sprintf("'email': '%s'", u.Email), "'password': '****'",
		fmt.Sprintf("'active': %s", pyBool(u.Active))}
	if u.ConfirmedAt != nil {
		parts = append(parts, fmt.Sprintf("'confirmed_at': '%s'", u.ConfirmedAt.Format(time.RFC3339)))
	}
	if u.Username != nil {
		parts = append(parts, fmt.Sprintf("'username': '%s'", *u.DisplayName))
	}
	if withProfile {
		parts = append(parts, fmt.Sprintf("'user_profile': %s", u.Profile))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

type stateOp func(*accounts.Service, context.Context, accounts.UserRef) (*accounts.User, bool, error)

func newUserStateCmd(e *env, name, short, done string, op stateOp) *cobra.Command {
	return &cobra.Command{
		Use:   name + " USER",
		Short: short + " USER is an email or a numeric id.",
		Args:  exactArgs("USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			// Deactivate and block end the user's sessions: in the store
			// too when it is Redis (every node at once).
			_, closeStore, err := a.sessionManager()
			if err != nil {
				return err
			}
			defer closeStore()
			_, changed, err := op(a.svc, cmd.Context(), accounts.UserRef(args[0]))
			switch {
			case accounts.ErrorCode(err) == accounts.ENotFound:
				return usagef("ERROR: User not found.")
			case err != nil:
				return err
			case changed:
				fmt.Fprintf(e.stdout, "User \"%s\" has been %s.\n", args[0], done)
			default:
				fmt.Fprintf(e.stdout, "User \"%s\" was already %s.\n", args[0], done)
			}
			return nil
		},
	}
}

func newUsersListCmd(e *env) *cobra.Command {
	var (
		asJSON     bool
		q          string
		page, size int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users (with --json, the admin API's user objects).",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			users, total, err := a.svc.ListUsers(cmd.Context(), accounts.UserQuery{Q: q, Page: page, Size: size,
				WithRole: true, WithTwoFactor: true})
			if err != nil {
				return err
			}
			if asJSON {
				return writeUsersJSON(e, users, total)
			}
			return writeUsersTable(e, users, total)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVarP(&q, "query", "q", "", "match email, username or id")
	f.IntVar(&page, "page", 1, "page (1-based)")
	f.IntVar(&size, "size", 100, "users per page (at most 1000)")
	return cmd
}

func writeUsersTable(e *env, users []*accounts.User, total int) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tACTIVE\tCONFIRMED\tBLOCKED\tROLES")
	for _, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%v\t%v\t%v\t%s\n", u.ID, u.Email, u.Active, u.IsConfirmed(), u.IsBlocked(), strings.Join(u.Roles, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(e.stdout, "%d of %d users\n", len(users), total)
	return err
}

func writeUsersJSON(e *env, users []*accounts.User, total int) error {
	hits := make([]accounts.UserView, len(users))
	for i, u := range users {
		hits[i] = accounts.ViewOf(u)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"total": total, "hits": hits})
}
