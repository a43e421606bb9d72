package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Load builds the configuration from, in increasing precedence: the
// defaults, the TOML file (opts.File, else ACCOUNTS_CONFIG), NAME and then
// INVENIO_NAME variables of opts.Environ, and the flags in opts. An empty
// value counts as not set. It enforces the SECRET_KEY policy, which in
// development mode may create <ACCOUNTS_DATA_DIR>/secret_key.
//
// The error lists every bad value with its key, its source and what was
// expected; secret values are never shown.
func Load(opts Options) (*Config, error) {
	keys := keyTable()
	c := &Config{keys: keys, index: indexKeys(keys), values: make(map[string]value, len(keys))}
	for _, k := range keys {
		c.set(k.Name, k.Default, SourceDefault, "default")
	}
	l := &loader{c: c}
	env := environMap(opts.Environ)
	if path := l.configFile(opts, env); path != "" {
		if err := l.readFile(path); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	l.applyEnv(env)
	if err := l.applyFlags(opts); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := l.resolve(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

// loader holds the errors found while loading.
type loader struct {
	c    *Config
	errs []error
}

// set records the value of a known key; an empty raw value is ignored, so
// that it does not override a lower-precedence source.
func (c *Config) set(name, raw string, source Source, origin string) {
	if raw != "" {
		c.values[name] = value{raw: raw, source: source, origin: origin}
	}
}

// environMap turns os.Environ-style entries into a map; later entries win.
func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if name, val, ok := strings.Cut(kv, "="); ok && name != "" {
			m[name] = val
		}
	}
	return m
}

// configFile returns the file to read: opts.File (or an ACCOUNTS_CONFIG
// flag), else ACCOUNTS_CONFIG from the environment, INVENIO_ACCOUNTS_CONFIG
// winning.
func (l *loader) configFile(opts Options, env map[string]string) string {
	if opts.File != "" {
		return opts.File
	}
	if path := opts.Flags["ACCOUNTS_CONFIG"]; path != "" {
		return path
	}
	if path := env["INVENIO_ACCOUNTS_CONFIG"]; path != "" {
		return path
	}
	return env["ACCOUNTS_CONFIG"]
}

// applyEnv applies NAME and then INVENIO_NAME for every key, and warns about
// unknown ACCOUNTS_* and SECURITY_* variables.
func (l *loader) applyEnv(env map[string]string) {
	c := l.c
	for _, k := range c.keys {
		c.set(k.Name, env[k.Name], SourceEnv, "env "+k.Name)
		c.set(k.Name, env["INVENIO_"+k.Name], SourceInvenioEnv, "env INVENIO_"+k.Name)
	}
	for _, name := range sortedKeys(env) {
		key := strings.TrimPrefix(name, "INVENIO_")
		if _, known := c.index[key]; known || strings.HasPrefix(key, "ACCOUNTS_TEST_") {
			continue
		}
		if reason, ok := ignoredKey(key); ok {
			c.warnf("env %s is ignored: %s", name, reason)
		} else if hasPrefix(key, "ACCOUNTS_", "SECURITY_") {
			c.warnf("env %s: unknown key %s (typo?)%s", name, key, c.suggest(key))
		}
	}
}

// applyFlags applies the command-line flags of opts.
func (l *loader) applyFlags(opts Options) error {
	c := l.c
	c.set("ACCOUNTS_CONFIG", opts.File, SourceFlag, "flag --config")
	if opts.Dev != nil {
		c.set("ACCOUNTS_DEV", fmt.Sprint(*opts.Dev), SourceFlag, "flag --dev")
	}
	for _, name := range sortedKeys(opts.Flags) {
		if _, ok := c.index[name]; !ok {
			return fmt.Errorf("flag for unknown key %s", name)
		}
		c.set(name, opts.Flags[name], SourceFlag, "flag")
	}
	return nil
}

// resolve turns the raw values into the typed fields: the mode and data
// directory first, then SECRET_KEY, the derived defaults and every key.
func (l *loader) resolve() error {
	c := l.c
	before := len(l.errs)
	l.bind("ACCOUNTS_DEV")
	l.bind("ACCOUNTS_DATA_DIR")
	if len(l.errs) > before {
		return errors.Join(l.errs...) // the rest depends on them
	}
	if err := c.resolveSecretKey(); err != nil {
		l.errs = append(l.errs, err)
	}
	for _, k := range c.keys {
		if k.derive != nil && c.values[k.Name].raw == "" {
			c.set(k.Name, k.derive(c), SourceDefault, "default")
		}
	}
	for _, k := range c.keys {
		l.bind(k.Name)
	}
	if len(l.errs) == 0 {
		// Checks across keys are only meaningful once every key is valid.
		l.errs = c.validate()
	}
	if len(l.errs) > 0 {
		return errors.Join(l.errs...)
	}
	c.checkSettings()
	return nil
}

// bind parses the raw value of a key into its field.
func (l *loader) bind(name string) {
	k := l.c.keys[l.c.index[name]]
	if k.set == nil {
		return
	}
	v := l.c.values[name]
	if err := k.set(l.c, v.raw); err != nil {
		shown := l.c.display(name, v.raw)
		if shown != masked && !strings.HasPrefix(shown, `"`) {
			shown = strconv.Quote(shown)
		}
		l.errs = append(l.errs, fmt.Errorf("%s = %s (%s): %v", name, shown, v.origin, err))
	}
}

// hasPrefix reports whether s starts with one of the prefixes.
func hasPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
