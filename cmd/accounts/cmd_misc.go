package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/invenio-go/accounts/internal/sqlstore"
)

// buildVersion is set with -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version.",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(e.stdout, "accounts %s (%s %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

func newMigrateCmd(e *env) *cobra.Command {
	var status bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema (Invenio's tables and ours); safe to run on an Invenio database.",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := e.loadConfig(nil)
			if err != nil {
				return err
			}
			driver, dsn := cfg.Database()
			db, err := sqlstore.Open(cmd.Context(), driver, dsn)
			if err != nil {
				return err
			}
			defer db.Close()
			if status {
				return printMigrationStatus(e, db, cmd)
			}
			applied, err := db.Migrate(cmd.Context())
			for _, m := range applied {
				fmt.Fprintf(e.stdout, "Applied %04d_%s.\n", m.Version, m.Name)
			}
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(e.stdout, "The database is up to date.")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "list applied and pending migrations, change nothing")
	return cmd
}

func printMigrationStatus(e *env, db *sqlstore.DB, cmd *cobra.Command) error {
	applied, pending, err := db.Status(cmd.Context())
	if err != nil {
		return err
	}
	for _, a := range applied {
		fmt.Fprintf(e.stdout, "applied  %04d_%s  %s\n", a.Version, a.Name, a.AppliedAt.UTC().Format("2006-01-02 15:04:05Z"))
	}
	for _, m := range pending {
		fmt.Fprintf(e.stdout, "pending  %04d_%s\n", m.Version, m.Name)
	}
	return nil
}

func newConfigCmd(e *env) *cobra.Command {
	check := &cobra.Command{
		Use:   "check",
		Short: "Print the effective configuration (secrets masked) and every warning; exit 1 if it is invalid.",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := e.loadConfig(nil)
			if err != nil {
				return fmt.Errorf("invalid configuration: %s", err)
			}
			return cfg.WriteCheck(e.stdout)
		},
	}
	return group("config", "Configuration commands.", check)
}
