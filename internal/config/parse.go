package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Expected forms, used in error messages.
const (
	expectBool     = "expected a boolean (true/false, 1/0, yes/no, on/off)"
	expectInt      = "expected a whole number"
	expectDuration = `expected a duration such as "30 minutes", "1 days", "1800" (seconds) or "1h30m"`
	expectList     = `expected a JSON array of strings or comma-separated values`
	expectDict     = `expected a JSON object such as {"x_for": 1}`
)

// ParseBool parses a boolean: true/false, 1/0, yes/no, on/off, in any case
// (so Python's True/False too). Surrounding spaces are ignored.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, errors.New(expectBool)
}

// ParseInt parses a decimal integer with an optional sign.
func ParseInt(s string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 0)
	if err != nil {
		return 0, errors.New(expectInt)
	}
	return int(n), nil
}

// ParseList parses a list of strings: a JSON array (or a Python list or
// tuple literal, as invenio-config reads it) or comma-separated values.
// Items are trimmed and empty items dropped. A value that merely looks like
// an array but holds no quotes ("[::1]") is read as comma-separated.
func ParseList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "(") {
		v, err := parseLiteral(s)
		if err == nil {
			return stringItems(v)
		}
		if strings.ContainsAny(s, `"'`) {
			return nil, fmt.Errorf("%s: %v", expectList, err)
		}
	}
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out, nil
}

// stringItems converts a parsed array literal to a list of non-empty strings.
func stringItems(v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, errors.New(expectList)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		str, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("%s, found %s", expectList, typeName(it))
		}
		if str = strings.TrimSpace(str); str != "" {
			out = append(out, str)
		}
	}
	return out, nil
}

// ParseDict parses an object: a JSON object or a Python dict literal (single
// quotes, True/False/None), as invenio-config reads it from the environment.
// Values are string, int64, float64, bool, nil, []any or map[string]any.
func ParseDict(s string) (map[string]any, error) {
	v, err := parseLiteral(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", expectDict, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s, found %s", expectDict, typeName(v))
	}
	return m, nil
}

// durationUnit returns the length of one of Invenio's units (timedelta's
// keyword arguments, in singular or plural).
func durationUnit(name string) (time.Duration, bool) {
	switch strings.TrimSuffix(strings.ToLower(name), "s") {
	case "microsecond":
		return time.Microsecond, true
	case "millisecond":
		return time.Millisecond, true
	case "second":
		return time.Second, true
	case "minute":
		return time.Minute, true
	case "hour":
		return time.Hour, true
	case "day":
		return 24 * time.Hour, true
	case "week":
		return 7 * 24 * time.Hour, true
	}
	return 0, false
}

// ParseDuration parses a non-negative duration in one of these forms:
// Invenio's "<number> <unit>" ("30 minutes", "1 days", "1 day", "2 weeks",
// also several pairs: "1 hour 30 minutes"), a bare number of seconds ("1800",
// "0.5") or Go's form ("30m", "1h30m").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && isNumber(s) {
		return scaleDuration(f, time.Second)
	}
	if fields := strings.Fields(s); len(fields) >= 2 && len(fields)%2 == 0 {
		return parseUnitPairs(fields)
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New(expectDuration)
	}
	return d, nil
}

// parseUnitPairs adds up "<number> <unit>" pairs.
func parseUnitPairs(fields []string) (time.Duration, error) {
	var total time.Duration
	for i := 0; i < len(fields); i += 2 {
		f, err := strconv.ParseFloat(fields[i], 64)
		unit, ok := durationUnit(fields[i+1])
		if err != nil || !ok || !isNumber(fields[i]) {
			return 0, errors.New(expectDuration)
		}
		d, err := scaleDuration(f, unit)
		if err != nil {
			return 0, err
		}
		if total > math.MaxInt64-d {
			return 0, errors.New("duration too long")
		}
		total += d
	}
	return total, nil
}

// scaleDuration returns f units, refusing negative, non-finite and
// out-of-range values.
func scaleDuration(f float64, unit time.Duration) (time.Duration, error) {
	if math.IsNaN(f) || f < 0 {
		return 0, errors.New(expectDuration + " (not negative)")
	}
	ns := f * float64(unit)
	if math.IsInf(ns, 0) || ns >= math.MaxInt64 {
		return 0, errors.New("duration too long")
	}
	return time.Duration(math.Round(ns)), nil
}

// isNumber reports whether s is a plain decimal number (digits, an optional
// fraction and exponent), excluding ParseFloat's "inf", "nan", hex and
// underscore forms.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789.eE+-", r) {
			return false
		}
	}
	return true
}

// typeName names the type of a parsed literal value for error messages.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
