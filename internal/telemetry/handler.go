package telemetry

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newHandler serves reg. Collection errors are logged and the metrics that
// could be gathered are served with 200 (ContinueOnError), so that one
// failing collector does not blind the scraper to the others; the error is
// never in the answer. Scrapes are bounded in number and duration, as a
// slow database behind a gauge callback must not pile them up.
func newHandler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            errorLog{log},
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            reg, // promhttp_metric_handler_errors_total
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
	// promhttp_metric_handler_requests_total and _requests_in_flight.
	return promhttp.InstrumentMetricHandler(reg, h)
}

// errorLog adapts slog to promhttp.Logger.
type errorLog struct{ log *slog.Logger }

// Println implements promhttp.Logger, on one line: errors gathered from
// several collectors (prometheus.MultiError) print one a line.
func (l errorLog) Println(v ...any) {
	msg := strings.ReplaceAll(strings.TrimSpace(fmt.Sprint(v...)), "\n", "; ")
	l.log.Error("metrics scrape", "error", msg)
}
