package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const expectLimits = `expected rate limits such as "10 per minute" or "5000 per hour;100 per minute"`

// Limit is one rate limit: at most Count events per Period.
type Limit struct {
	Count  int
	Period time.Duration
}

// String formats the limit in the limits library's syntax, e.g.
// "10 per 1 minute".
func (l Limit) String() string {
	for _, unit := range []string{"year", "month", "day", "hour", "minute", "second"} {
		d, _ := limitGranularity(unit)
		if l.Period > 0 && l.Period%d == 0 {
			return fmt.Sprintf("%d per %d %s", l.Count, l.Period/d, unit)
		}
	}
	return fmt.Sprintf("%d per %s", l.Count, l.Period)
}

// limitGranularity maps the limits library's units to their length; a month
// is 30 days and a year 12 months, as in that library.
func limitGranularity(unit string) (time.Duration, bool) {
	const day = 24 * time.Hour
	switch strings.TrimSuffix(strings.ToLower(unit), "s") {
	case "second":
		return time.Second, true
	case "minute":
		return time.Minute, true
	case "hour":
		return time.Hour, true
	case "day":
		return day, true
	case "month":
		return 30 * day, true
	case "year":
		return 360 * day, true
	}
	return 0, false
}

// ParseLimits parses rate limits in the syntax of Flask-Limiter (the limits
// library): "N per [M] unit" or "N/[M] unit", several separated by ";", ","
// or "|". Units: second, minute, hour, day, month, year (plural allowed).
// An empty string gives no limits, and so does "[]", the empty list: the
// form that switches off a limit whose default is not empty, since an empty
// value counts as not set (Load) and a TOML array arrives as JSON.
func ParseLimits(s string) ([]Limit, error) {
	if strings.TrimSpace(s) == "[]" {
		return nil, nil
	}
	var out []Limit
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(";,|", r) }) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		l, err := parseLimit(part)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// parseLimit parses one "N per M unit" expression.
func parseLimit(s string) (Limit, error) {
	bad := fmt.Errorf("%s, found %q", expectLimits, strings.TrimSpace(s))
	count, rest, ok1 := leadingInt(strings.TrimSpace(s))
	rest = strings.TrimSpace(rest)
	switch {
	case strings.HasPrefix(rest, "/"):
		rest = rest[1:]
	case len(rest) > 3 && strings.EqualFold(rest[:3], "per") && (rest[3] == ' ' || rest[3] == '\t'):
		rest = rest[3:]
	default:
		return Limit{}, bad
	}
	multiple, rest, ok2 := leadingInt(strings.TrimSpace(rest))
	if multiple == 0 {
		multiple = 1
	}
	unit, ok := limitGranularity(strings.TrimSpace(rest))
	if count <= 0 || !ok || !ok1 || !ok2 {
		return Limit{}, bad
	}
	if time.Duration(multiple) > (1<<62)/unit {
		return Limit{}, errors.New("rate limit period too long")
	}
	return Limit{Count: count, Period: time.Duration(multiple) * unit}, nil
}

// leadingInt splits off a leading run of digits (0 when there is none); ok
// is false when the number is too large.
func leadingInt(s string) (n int, rest string, ok bool) {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, s, true
	}
	n, err := strconv.Atoi(s[:end])
	return n, s[end:], err == nil
}
