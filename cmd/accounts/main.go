// Command accounts is Invenio-Accounts rebuilt in Go: one binary that serves
// the accounts web service and runs its operations (migrations, users,
// roles, configuration checks).
//
// main wires everything: it reads the configuration, opens the stores and
// passes them down; no other package reads the environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes, as Invenio's click commands have them.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command may use from the outside world.
type env struct {
	environ []string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	// flags shared by every command
	configFile string
	dev        bool
	devSet     bool
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{environ: environ, stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "Usage: %s\nTry '%s --help' for help.\n\nError: %s\n", cmd.UseLine(), cmd.CommandPath(), err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "Error: %s\n", err)
	return exitFailure
}

// usageError is a failure caused by what the user typed (exit 2), like
// click's UsageError.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "accounts",
		Short:         "Invenio-Accounts in Go: user accounts, sessions and their administration",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noSubcommand,
		RunE:          func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.PersistentFlags().StringVar(&e.configFile, "config", "", "TOML configuration file (env ACCOUNTS_CONFIG)")
	root.PersistentFlags().BoolVar(&e.dev, "dev", false, "development mode: generated SECRET_KEY, cookies without Secure (env ACCOUNTS_DEV)")
	root.PersistentPreRun = func(cmd *cobra.Command, args []string) {
		e.devSet = cmd.Flags().Changed("dev")
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &usageError{err.Error()} })
	root.AddCommand(newServeCmd(e), newMigrateCmd(e), newUsersCmd(e), newRolesCmd(e),
		newSessionsCmd(e), newTasksCmd(e), newConfigCmd(e), newVersionCmd(e))
	return root
}

// noSubcommand is the Args of a command group: an unknown sub-command is a
// usage error (exit 2), not a silent help page.
func noSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("No such command %q.", args[0])
	}
	return nil
}

// exactArgs requires n positional arguments, named in the message.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			return usagef("Missing argument '%s'.", names[len(args)])
		}
		if len(args) > len(names) {
			return usagef("Got unexpected extra argument (%s)", args[len(names)])
		}
		return nil
	}
}

// group returns a command that only holds sub-commands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: noSubcommand,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	c.AddCommand(subs...)
	return c
}
