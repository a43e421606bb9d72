package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/invenio-go/accounts/internal/jobs"
)

func newTasksCmd(e *env) *cobra.Command {
	var subs []*cobra.Command
	short := map[string]string{
		jobs.CleanSessions:      "Delete expired sessions and their activity rows (Invenio's clean_session_table).",
		jobs.DeleteIPs:          "Forget login and session IPs older than ACCOUNTS_RETENTION_PERIOD (delete_ips).",
		jobs.UpdateDomainStatus: "Refresh the email-domain counters (update_domain_status).",
	}
	for _, name := range jobs.Names() {
		subs = append(subs, newTaskCmd(e, name, short[name]))
	}
	return group("tasks", "Run a periodic job now (serve runs them on schedules).", subs...)
}

func newTaskCmd(e *env, name, short string) *cobra.Command {
	var batch int
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openApp(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			revoker, closeStore, err := a.sessionManager()
			if err != nil {
				return err
			}
			defer closeStore()
			r := jobs.New(a.db, revoker, jobs.Options{SessionLifetime: a.cfg.PermanentSessionLifetime,
				Retention: a.cfg.RetentionPeriod, BatchSize: batch, Logger: a.log})
			progress, done := progressWriter(e.stdout, name)
			res, err := r.Run(cmd.Context(), name, progress)
			done()
			fmt.Fprintf(e.stdout, "%s: %d rows in %d batches, %s.\n", name, res.Rows, res.Batches, res.Duration.Round(time.Millisecond))
			if err != nil {
				return fmt.Errorf("%w (run it again to finish)", err)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&batch, "batch-size", 1000, "rows per batch (one short transaction each)")
	return cmd
}

// progressWriter reports progress on one updating line on a terminal and
// as plain lines (every 10 batches) otherwise; done ends the progress line.
func progressWriter(w io.Writer, name string) (progress jobs.Progress, done func()) {
	f, ok := w.(*os.File)
	if ok && term.IsTerminal(int(f.Fd())) {
		spin := `|/-\`
		return func(rows, batches int) {
				fmt.Fprintf(w, "\r%s %c %d rows, %d batches ", name, spin[batches%4], rows, batches)
			}, func() {
				fmt.Fprint(w, "\r\033[K")
			}
	}
	return func(rows, batches int) {
		if batches%10 == 0 {
			fmt.Fprintf(w, "%s: %d rows after %d batches\n", name, rows, batches)
		}
	}, func() {}
}
