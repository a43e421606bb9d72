package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/invenio-go/accounts/internal/accounts"
)

func newRolesCmd(e *env) *cobra.Command {
	return group("roles", "Role commands.", newRolesCreateCmd(e), newRolesAddCmd(e), newRolesRemoveCmd(e), newRolesListCmd(e))
}

func newRolesCreateCmd(e *env) *cobra.Command {
	var description string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a role (its id is its name). An existing role is left as it is.",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			_, created, err := a.svc.CreateRole(cmd.Context(), args[0], description)
			switch {
			case accounts.ErrorCode(err) == accounts.EInvalid:
				return usagef("%s", accounts.ErrorMessage(err))
			case err != nil:
				return err
			case created:
				fmt.Fprintf(e.stdout, "Role \"%s\" created successfully.\n", args[0])
			default:
				fmt.Fprintf(e.stdout, "Role \"%s\" already existed.\n", args[0])
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&description, "description", "d", "", "description")
	return cmd
}

func newRolesAddCmd(e *env) *cobra.Command {
	return newRoleLinkCmd(e, "add", "Add a role (by name) to a user (an email or a numeric id).",
		"added to", "Cannot add role to user.", (*accounts.Service).AddRole)
}

func newRolesRemoveCmd(e *env) *cobra.Command {
	return newRoleLinkCmd(e, "remove", "Remove a role (by name) from a user (an email or a numeric id).",
		"removed from", "Cannot remove role from user.", (*accounts.Service).RemoveRole)
}

type roleOp func(*accounts.Service, context.Context, accounts.UserRef, string) (*accounts.User, *accounts.Role, error)

// newRoleLinkCmd is `roles add|remove USER ROLE`, with Invenio's messages.
func newRoleLinkCmd(e *env, name, short, done, cannot string, op roleOp) *cobra.Command {
	return &cobra.Command{
		Use:   name + " USER ROLE",
		Short: short,
		Args:  exactArgs("USER", "ROLE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			u, r, err := op(a.svc, cmd.Context(), accounts.UserRef(args[0]), args[1])
			if err := roleUsageError(err, cannot); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Role \"%s\" %s user \"%s\" successfully.\n", r, done, u.Email)
			return nil
		},
	}
}

// roleUsageError turns the service's answers into Invenio's messages.
func roleUsageError(err error, cannot string) error {
	switch {
	case err == nil:
		return nil
	case accounts.ErrorMessage(err) == accounts.MsgUserNotFound:
		return usagef("Cannot find user.")
	case accounts.ErrorMessage(err) == accounts.MsgRoleNotFound:
		return usagef("Cannot find role.")
	case accounts.ErrorCode(err) == accounts.EConflict || accounts.ErrorCode(err) == accounts.ENotFound:
		return usagef("%s", cannot)
	}
	return err
}

func newRolesListCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List roles.",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			roles, err := a.svc.ListRoles(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tDESCRIPTION")
			for _, r := range roles {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Name, r.Description)
			}
			return tw.Flush()
		},
	}
}
