package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/invenio-go/accounts/internal/mail"
	"github.com/invenio-go/accounts/internal/telemetry"
)

// newMetrics builds the metrics with their scrape-time gauges.
func newMetrics(a *app, mailer *mail.Mailer) *telemetry.Metrics {
	m := telemetry.New(telemetry.Options{HashPoolCapacity: a.cfg.HashConcurrency, Logger: a.log})
	m.OnActiveSessions(func() (float64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := a.db.CountSessionActivities(ctx)
		return float64(n), err
	})
	m.OnHashPool(a.svc.Saturation)
	m.OnMailQueue(func() (float64, float64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := mailer.Stats(ctx)
		return float64(st.Queued), float64(st.Dead), err
	})
	return m
}

// serveMetrics serves /metrics on ACCOUNTS_METRICS_ADDR, a listener of its
// own that can be kept off the public address, until ctx ends. Without
// the setting, metrics are not served.
func serveMetrics(ctx context.Context, a *app, m *telemetry.Metrics) error {
	if a.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics listener stopped", "err", err)
		}
	}()
	a.log.Info("metrics are served", "url", "http://"+ln.Addr().String()+"/metrics")
	return nil
}
