package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// setAddr validates a host:port listen address.
func setAddr(field func(c *Config) *string) func(c *Config, raw string) error {
	return func(c *Config, raw string) error {
		*field(c) = raw
		if raw == "" {
			return nil
		}
		_, port, err := net.SplitHostPort(raw)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
			return errors.New(`expected host:port, such as "127.0.0.1:5000" or ":5000"`)
		}
		return nil
	}
}

// setAddress validates an email address such as "Site <no-reply@example.org>".
// Flask-Mail's (name, address) pair is accepted as a list and stored in that
// form.
func setAddress(field func(c *Config) *string) func(c *Config, raw string) error {
	return func(c *Config, raw string) error {
		*field(c) = raw
		if raw == "" {
			return nil
		}
		if pair, err := ParseList(raw); err == nil && len(pair) == 2 && strings.ContainsAny(raw[:1], "[(") {
			*field(c) = (&mail.Address{Name: pair[0], Address: pair[1]}).String()
			raw = *field(c)
		}
		if _, err := mail.ParseAddress(raw); err != nil {
			return errors.New(`expected an email address such as "no-reply@example.org" or "Site <no-reply@example.org>"`)
		}
		return nil
	}
}

func setBaseURL(c *Config, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New(`expected an http(s) URL without query, such as "https://accounts.example.org"`)
	}
	c.BaseURL = strings.TrimRight(raw, "/")
	return nil
}

func setLogFormat(c *Config, raw string) error {
	switch f := strings.ToLower(strings.TrimSpace(raw)); f {
	case "json", "text":
		c.LogFormat = f
		return nil
	}
	return errors.New(`expected "json" or "text"`)
}

func setLogLevel(c *Config, raw string) error {
	name := strings.ToLower(strings.TrimSpace(raw))
	switch name {
	case "warning":
		name = "warn"
	case "critical", "fatal":
		name = "error"
	}
	if err := c.LogLevel.UnmarshalText([]byte(name)); err != nil {
		c.LogLevel = slog.LevelInfo
		return errors.New(`expected "debug", "info", "warn" or "error"`)
	}
	return nil
}

func setHashConcurrency(c *Config, raw string) error {
	n, err := ParseInt(raw)
	if err != nil || n < 0 {
		return errors.New("expected a whole number, 0 for the number of CPUs")
	}
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	c.HashConcurrency = n
	return nil
}

func setTimezone(c *Config, raw string) error {
	loc, err := time.LoadLocation(strings.TrimSpace(raw))
	if err != nil {
		c.DefaultTimezone = time.UTC
		return errors.New(`expected an IANA time zone such as "UTC" or "Europe/Zurich" (is tzdata installed?)`)
	}
	c.DefaultTimezone = loc
	return nil
}

func setSameSite(c *Config, raw string) error {
	modes := map[string]http.SameSite{
		"lax": http.SameSiteLaxMode, "strict": http.SameSiteStrictMode, "none": http.SameSiteNoneMode,
	}
	mode, ok := modes[strings.ToLower(strings.TrimSpace(raw))]
	if !ok {
		return errors.New(`expected "Lax", "Strict" or "None"`)
	}
	c.SessionCookieSameSite = mode
	return nil
}

func setUsernameRegex(c *Config, raw string) error {
	re, err := regexp.Compile(raw)
	if err != nil {
		return fmt.Errorf("expected a regular expression (Go RE2 syntax): %v", err)
	}
	c.UsernameRegex = re
	return nil
}

// setFreshness parses SECURITY_FRESHNESS: a duration, or a negative one
// (Flask-Security's timedelta(seconds=-1)), which switches the check off.
func setFreshness(c *Config, raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	if rest, ok := strings.CutPrefix(raw, "-"); ok {
		if _, err := ParseDuration(rest); err != nil {
			return err
		}
		c.Freshness = -1
		return nil
	}
	d, err := ParseDuration(raw)
	if err == nil {
		c.Freshness = d
	}
	return err
}

func setCheckBreached(c *Config, raw string) error {
	if strings.EqualFold(strings.TrimSpace(raw), "strict") {
		c.PasswordCheckBreached = "strict"
		return nil
	}
	on, err := ParseBool(raw)
	if err != nil {
		return errors.New(`expected "false", "true" or "strict"`)
	}
	c.PasswordCheckBreached = map[bool]string{true: "on", false: "off"}[on]
	return nil
}

// checkHosts validates a list of host names, as TRUSTED_HOSTS holds.
func checkHosts(raw string) ([]string, error) {
	hosts, err := ParseList(raw)
	for _, h := range hosts {
		if err == nil && strings.ContainsAny(h, "/@ ") {
			err = fmt.Errorf("expected host names such as \"accounts.example.org\" or \".example.org\", found %q", h)
		}
	}
	return hosts, err
}

func setTrustedHosts(c *Config, raw string) (err error) {
	c.TrustedHosts, err = checkHosts(raw)
	return err
}

func checkAllowedHosts(_ *Config, raw string) error {
	_, err := checkHosts(raw)
	return err
}

func setStorageURI(c *Config, raw string) error {
	c.RatelimitStorageURI = raw
	scheme, _, ok := strings.Cut(raw, "://")
	if raw == "" || scheme == "memory" || (ok && strings.HasPrefix(scheme, "redis")) {
		return nil
	}
	return errors.New(`expected "memory://" or a Redis URL ("redis://...", "rediss://...")`)
}

func setPerEndpoint(c *Config, raw string) error {
	c.RatelimitPerEndpoint = map[string][]Limit{}
	if raw == "" {
		return nil
	}
	m, err := ParseDict(raw)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(m) {
		s, ok := m[name].(string)
		if !ok {
			return fmt.Errorf("%s: %s, found %s", name, expectLimits, typeName(m[name]))
		}
		limits, err := ParseLimits(s)
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		c.RatelimitPerEndpoint[name] = limits
	}
	return nil
}

// literalInt returns v as an integer when it is a whole number.
func literalInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}
