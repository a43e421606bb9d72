package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// readFile applies the top-level keys of a TOML file. Values may be native
// TOML values or strings in the environment's forms. It returns an error
// when the file cannot be read or parsed; bad values are collected in l.errs.
func (l *loader) readFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	c := l.c
	holdsSecret := false
	for _, name := range sortedKeys(m) {
		if !l.fileKeyKnown(path, name) {
			continue
		}
		k := c.keys[c.index[name]]
		raw, err := tomlString(m[name])
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s (file %s:%s): %v", name, path, name, err))
			continue
		}
		holdsSecret = holdsSecret || (k.Secret || k.SecretInURL) && raw != ""
		c.set(name, raw, SourceFile, "file "+path+":"+name)
	}
	if info, err := os.Stat(path); err == nil && holdsSecret && info.Mode().Perm()&0o004 != 0 {
		c.warnf("config file %s holds secrets but every user may read it (mode %04o); chmod 600 it", path, info.Mode().Perm())
	}
	return nil
}

// fileKeyKnown reports whether name is a key to apply, warning about
// ACCOUNTS_CONFIG, ignored Invenio keys and likely typos.
func (l *loader) fileKeyKnown(path, name string) bool {
	c := l.c
	_, known := c.index[name]
	switch {
	case name == "ACCOUNTS_CONFIG":
		c.warnf("file %s: ACCOUNTS_CONFIG is ignored in a config file", path)
		return false
	case known:
		return true
	}
	if reason, ok := ignoredKey(name); ok {
		c.warnf("file %s: %s is ignored: %s", path, name, reason)
	} else if _, upper := c.index[strings.ToUpper(name)]; upper {
		c.warnf("file %s: unknown key %s (keys are upper case: %s?)", path, name, strings.ToUpper(name))
	} else if hasPrefix(name, "ACCOUNTS_", "SECURITY_", "SESSION_", "MAIL_", "RECAPTCHA_", "RATELIMIT_") {
		c.warnf("file %s: unknown key %s (typo?)%s", path, name, c.suggest(name))
	}
	return false
}

// tomlString converts a decoded TOML value to the environment's string
// form: arrays and tables become JSON.
func tomlString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", errors.New("expected a finite number")
		}
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case []any, map[string]any:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", fmt.Errorf("cannot use this value: %v", err)
		}
		return strings.TrimSuffix(buf.String(), "\n"), nil
	case time.Time:
		return "", errors.New("dates and times are not supported; use a string")
	}
	return "", fmt.Errorf("unsupported TOML value of type %T", v)
}
