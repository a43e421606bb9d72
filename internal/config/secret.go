package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MinSecretKeyLen is the shortest SECRET_KEY accepted outside development
// mode, in bytes.
const MinSecretKeyLen = 32

// secretKeyFile is the name of the development key in the data directory.
const secretKeyFile = "secret_key"

const secretKeyAdvice = "set it to a random value of at least 32 bytes, e.g. the output of `openssl rand -hex 32`"

// resolveSecretKey applies the SECRET_KEY policy: outside development mode
// a missing, short or well-known key is an error; in development mode it is
// a warning, and a missing key is generated once into the data directory.
func (c *Config) resolveSecretKey() error {
	v := c.values["SECRET_KEY"]
	switch problem := secretKeyProblem(v.raw); {
	case v.raw == "" && !c.Dev:
		return fmt.Errorf("SECRET_KEY is not set: %s (development mode, --dev or ACCOUNTS_DEV=1, generates one)", secretKeyAdvice)
	case v.raw == "":
		key, path, err := c.devSecretKey()
		if err != nil {
			return fmt.Errorf("SECRET_KEY: development key: %w", err)
		}
		c.values["SECRET_KEY"] = value{raw: key, source: SourceGenerated, origin: path}
		c.warnf("SECRET_KEY is not set: using the development key generated in %s; never use it in production", path)
	case problem != "" && !c.Dev:
		return fmt.Errorf("SECRET_KEY (%s) %s: %s", v.origin, problem, secretKeyAdvice)
	case problem != "":
		c.warnf("SECRET_KEY (%s) %s; accepted in development mode only", v.origin, problem)
	}
	salt := c.values["SECURITY_PASSWORD_SALT"]
	switch {
	case salt.raw == "":
		c.warnf("SECURITY_PASSWORD_SALT is not set, so the password salt follows SECRET_KEY: rotating SECRET_KEY " +
			"would break every stored password. Set SECURITY_PASSWORD_SALT explicitly " +
			"(to the current SECRET_KEY when taking over an Invenio database that never set it)")
	case isWellKnownSecret(salt.raw):
		c.warnf("SECURITY_PASSWORD_SALT (%s) is a well-known placeholder; keep it only while stored passwords depend on it", salt.origin)
	}
	c.checkOtherSecrets()
	return nil
}

// checkOtherSecrets warns about weak SECRET_KEY_FALLBACKS and an explicit
// ACCOUNTS_JWT_SECRET_KEY that is too weak.
func (c *Config) checkOtherSecrets() {
	fallbacks, _ := ParseList(c.values["SECRET_KEY_FALLBACKS"].raw) // errors are reported when binding
	for i, key := range fallbacks {
		if problem := secretKeyProblem(key); problem != "" {
			c.warnf("SECRET_KEY_FALLBACKS entry %d %s; remove it once the rotation is over", i+1, problem)
		}
	}
	if jwt := c.values["ACCOUNTS_JWT_SECRET_KEY"]; jwt.raw != "" && !c.Dev {
		if problem := secretKeyProblem(jwt.raw); problem != "" {
			c.warnf("ACCOUNTS_JWT_SECRET_KEY (%s) %s", jwt.origin, problem)
		}
	}
}

// secretKeyProblem says what is wrong with a key ("" when nothing is).
func secretKeyProblem(key string) string {
	distinct := map[rune]bool{}
	for _, r := range key {
		distinct[r] = true
	}
	switch {
	case key == "":
		return "is empty"
	case isWellKnownSecret(key):
		return "is a well-known placeholder value"
	case len(key) < MinSecretKeyLen:
		return fmt.Sprintf("is %d bytes long; at least %d are required", len(key), MinSecretKeyLen)
	case len(distinct) < 8:
		return "has too little variety (fewer than 8 distinct characters)"
	}
	return ""
}

// isWellKnownSecret reports whether key is a placeholder from templates,
// tutorials and examples, compared case-insensitively and ignoring
// punctuation ("CHANGE_ME", "change-me", "Change Me" are the same).
func isWellKnownSecret(key string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(key) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	norm := b.String()
	switch norm {
	case "", "secret", "secretkey", "mysecretkey", "supersecret", "topsecret", "key", "password", "default",
		"dev", "development", "test", "testing", "debug", "invenio", "flask", "accounts", "example", "xxx",
		"1234", "12345", "123456", "12345678", "123456789", "1234567890", "abc", "abc123", "qwerty", "none", "null":
		return true
	}
	for _, s := range []string{"changeme", "changethis", "replaceme", "insecure", "notsecret", "notasecret",
		"yoursecret", "putyour", "donotuse", "dontuse", "secretkeyhere", "keyhere"} {
		if strings.Contains(norm, s) {
			return true
		}
	}
	return false
}

// devSecretKey returns the development key kept in <data dir>/secret_key,
// generating 64 random bytes (hex) on first use. The file is created 0600
// (its directory 0700) and published with a hard link, so that two processes
// starting at once agree on one key.
func (c *Config) devSecretKey() (key, path string, err error) {
	path = filepath.Join(c.DataDir, secretKeyFile)
	if key, err := c.readSecretFile(path); !errors.Is(err, fs.ErrNotExist) {
		return key, path, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return "", path, err
	}
	buf := make([]byte, 64)
	if _, err := rand.Read(buf); err != nil {
		return "", path, err
	}
	key = hex.EncodeToString(buf)
	tmp, err := os.CreateTemp(c.DataDir, ".secret_key-*")
	if err != nil {
		return "", path, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(key + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path) // CreateTemp made it 0600
	}
	if errors.Is(err, fs.ErrExist) {
		key, err = c.readSecretFile(path)
	}
	return key, path, err
}

// readSecretFile reads a development key, warning when others may read it.
func (c *Config) readSecretFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		return "", fmt.Errorf("%s is empty; delete it to generate a new key", path)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		c.warnf("%s may be read by other users (mode %04o); chmod 600 it", path, info.Mode().Perm())
	}
	return key, nil
}
