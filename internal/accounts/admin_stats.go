package accounts

import (
	"context"
	"fmt"
	"time"
)

// DayCount is a count for one UTC day.
type DayCount struct {
	Day time.Time // midnight UTC
	N   int
}

// LabelCount is a count for one value ("" when unknown).
type LabelCount struct {
	Label string
	N     int
}

// UserCounts are the totals of the dashboard.
type UserCounts struct {
	Users, Active, Blocked, Unconfirmed int
	TwoFactor                           int // users with an authenticator
}

// Session breakdowns of the dashboard: the session-activity columns.
const (
	ByCountry = "country"
	ByBrowser = "browser"
	ByOS      = "os"
	ByDevice  = "device"
)

// StatsStore answers the dashboard's questions.
type StatsStore interface {
	// SignupsPerDay counts users created since since, by UTC day
	// ("2006-01-02").
	SignupsPerDay(ctx context.Context, since time.Time) (map[string]int, error)
	// AuditPerDay counts entries of an event since since, by UTC day.
	AuditPerDay(ctx context.Context, event string, since time.Time) (map[string]int, error)
	// SessionsBy counts session rows by one of ByCountry, ByBrowser, ByOS,
	// ByDevice, largest first.
	SessionsBy(ctx context.Context, column string) ([]LabelCount, error)
	// UserCounts counts users: all, active, blocked, unconfirmed.
	UserCounts(ctx context.Context) (UserCounts, error)
}

// Dashboard is what the admin dashboard shows.
type Dashboard struct {
	Days     int
	Signups  []DayCount // one per day, oldest first, days without any included
	Logins   []DayCount
	Sessions map[string][]LabelCount // by ByCountry, ...: the top ones, then "Other"
	Counts   UserCounts
	Active   int // session rows
}

// dashboardTop is how many values a breakdown shows before "Other".
const dashboardTop = 8

// Dashboard returns sign-ups and logins per day over the last days days
// (today included), the sessions by country, browser, OS and device, and the
// user counts.
func (s *Service) Dashboard(ctx context.Context, days int) (*Dashboard, error) {
	as, err := s.adminStore()
	if err != nil {
		return nil, err
	}
	today := s.now().Truncate(24 * time.Hour)
	since := today.AddDate(0, 0, -(days - 1))
	d := &Dashboard{Days: days, Sessions: map[string][]LabelCount{}}
	signups, err := as.SignupsPerDay(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	logins, err := as.AuditPerDay(ctx, AuditLoginSucceeded, since)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	d.Signups, d.Logins = perDay(signups, since, days), perDay(logins, since, days)
	for _, col := range []string{ByCountry, ByBrowser, ByOS, ByDevice} {
		counts, err := as.SessionsBy(ctx, col)
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		d.Sessions[col] = topCounts(counts, dashboardTop)
		if col == ByCountry {
			for _, c := range counts {
				d.Active += c.N
			}
		}
	}
	if d.Counts, err = as.UserCounts(ctx); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return d, nil
}

func perDay(m map[string]int, since time.Time, days int) []DayCount {
	out := make([]DayCount, days)
	for i := range out {
		day := since.AddDate(0, 0, i)
		out[i] = DayCount{Day: day, N: m[day.Format(time.DateOnly)]}
	}
	return out
}

// topCounts keeps the n largest counts and adds the rest to "Other"
// (ua-parser's own name for an unknown family).
func topCounts(counts []LabelCount, n int) []LabelCount {
	if len(counts) <= n+1 {
		return counts
	}
	out := append([]LabelCount(nil), counts[:n]...)
	rest := 0
	for _, c := range counts[n:] {
		if c.Label == "Other" {
			out = append(out, c)
			continue
		}
		rest += c.N
	}
	for i := range out {
		if out[i].Label == "Other" {
			out[i].N += rest
			return out
		}
	}
	return append(out, LabelCount{Label: "Other", N: rest})
}
