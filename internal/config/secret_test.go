package config

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretKeyPolicy(t *testing.T) {
	tests := []struct {
		name    string
		key     string // "" = not set
		dev     bool
		wantErr string // outside development mode
		warning string // in development mode
	}{
		{name: "missing", wantErr: "SECRET_KEY is not set"},
		{name: "short", key: "0123456789abcdef", wantErr: "is 16 bytes long; at least 32 are required"},
		{name: "31 bytes", key: strings.Repeat("abcdefghij", 3) + "k", wantErr: "is 31 bytes long"},
		{name: "CHANGE_ME", key: "CHANGE_ME", wantErr: "well-known"},
		{name: "changeme", key: "changeme", wantErr: "well-known"},
		{name: "change-me", key: "Change-Me", wantErr: "well-known"},
		{name: "CHANGEME", key: "CHANGEME", wantErr: "well-known"},
		{name: "secret", key: "secret", wantErr: "well-known"},
		{name: "development", key: "Development", wantErr: "well-known"},
		{name: "dev", key: "dev", wantErr: "well-known"},
		{name: "test", key: "TEST", wantErr: "well-known"},
		{name: "long placeholder", key: "CHANGE_ME_CHANGE_ME_CHANGE_ME_CHANGE_ME", wantErr: "well-known"},
		{name: "django insecure", key: "django-insecure-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c", wantErr: "well-known"},
		{name: "no variety", key: strings.Repeat("ab", 20), wantErr: "too little variety"},
		{name: "strong", key: strongKey},
		{name: "dev weak", key: "CHANGE_ME", dev: true, warning: "is a well-known placeholder value; accepted in development mode only"},
		{name: "dev short", key: "short-key-1234", dev: true, warning: "is 14 bytes long; at least 32 are required; accepted in development mode only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := []string{"SECURITY_PASSWORD_SALT=" + strongSalt, "ACCOUNTS_DATA_DIR=" + t.TempDir()}
			if tt.key != "" {
				env = append(env, "SECRET_KEY="+tt.key)
			}
			c, err := Load(Options{Environ: env, Dev: &tt.dev})
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want %q", err, tt.wantErr)
				}
				if len(tt.key) >= 10 && strings.Contains(err.Error(), tt.key) {
					t.Errorf("the error shows the key: %v", err)
				}
			case err != nil:
				t.Fatalf("Load: %v", err)
			case c.SecretKey != tt.key:
				t.Errorf("SecretKey = %q, want %q", c.SecretKey, tt.key)
			case tt.warning != "" && !hasWarning(c, "SECRET_KEY (env SECRET_KEY) "+tt.warning):
				t.Errorf("no warning %q in %q", tt.warning, c.Warnings())
			}
		})
	}
}

func TestDevSecretKeyGenerated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "dir")
	env := []string{"ACCOUNTS_DATA_DIR=" + dir, "ACCOUNTS_DEV=1"}
	c := mustLoad(t, Options{Environ: env})
	path := filepath.Join(dir, "secret_key")
	if b, err := hex.DecodeString(c.SecretKey); err != nil || len(b) != 64 {
		t.Fatalf("SecretKey = %q: want 64 bytes in hex", c.SecretKey)
	}
	if c.SourceOf("SECRET_KEY") != SourceGenerated {
		t.Errorf("SourceOf(SECRET_KEY) = %q", c.SourceOf("SECRET_KEY"))
	}
	if c.PasswordSalt != c.SecretKey || c.JWTSecretKey != c.SecretKey {
		t.Error("SECURITY_PASSWORD_SALT and ACCOUNTS_JWT_SECRET_KEY do not default to the generated key")
	}
	if !hasWarning(c, "using the development key generated in "+path) {
		t.Errorf("warnings = %q", c.Warnings())
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		info, err := os.Stat(p)
		if err != nil || info.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, %v; want %04o", p, info.Mode().Perm(), err, mode)
		}
	}
	data, _ := os.ReadFile(path)
	if strings.TrimSpace(string(data)) != c.SecretKey {
		t.Errorf("%s holds %q, not the key", path, data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data directory holds %d entries, want only secret_key", len(entries))
	}

	again := mustLoad(t, Options{Environ: env})
	if again.SecretKey != c.SecretKey {
		t.Error("a second run generated a new key instead of reusing the stored one")
	}
	if _, err := Load(Options{Environ: []string{"ACCOUNTS_DATA_DIR=" + dir}}); err == nil {
		t.Error("the stored development key was used outside development mode")
	}
}

func TestDevSecretKeyFileProblems(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret_key")
	env := []string{"ACCOUNTS_DATA_DIR=" + dir, "ACCOUNTS_DEV=true"}

	if err := os.WriteFile(path, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{Environ: env}); err == nil || !strings.Contains(err.Error(), "is empty; delete it") {
		t.Errorf("empty key file: Load error = %v", err)
	}

	if err := os.WriteFile(path, []byte(strongKey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, Options{Environ: env})
	if c.SecretKey != strongKey || !hasWarning(c, "may be read by other users (mode 0644)") {
		t.Errorf("SecretKey = %q, warnings = %q", c.SecretKey, c.Warnings())
	}

	notDir := filepath.Join(dir, "secret_key", "sub")
	if _, err := Load(Options{Environ: []string{"ACCOUNTS_DATA_DIR=" + notDir, "ACCOUNTS_DEV=1"}}); err == nil {
		t.Error("Load succeeded with a data directory under a file")
	}
}

func TestPasswordSaltWarnings(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		warning string // "" = no salt warning
	}{
		{name: "explicit salt", env: []string{"SECURITY_PASSWORD_SALT=" + strongSalt}},
		{name: "follows SECRET_KEY", warning: "the password salt follows SECRET_KEY: rotating SECRET_KEY would break every stored password"},
		{name: "placeholder kept for old hashes", env: []string{"SECURITY_PASSWORD_SALT=CHANGE_ME"},
			warning: "SECURITY_PASSWORD_SALT (env SECURITY_PASSWORD_SALT) is a well-known placeholder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append([]string{"SECRET_KEY=" + strongKey, "ACCOUNTS_BASE_URL=https://a.example.org", "MAIL_SERVER=smtp"}, tt.env...)
			c := mustLoad(t, Options{Environ: env})
			salty := hasWarning(c, "SECURITY_PASSWORD_SALT")
			if tt.warning == "" && salty || tt.warning != "" && !hasWarning(c, tt.warning) {
				t.Errorf("warnings = %q, want %q", c.Warnings(), tt.warning)
			}
			if tt.env == nil && c.PasswordSalt != strongKey {
				t.Errorf("PasswordSalt = %q, want SECRET_KEY", c.PasswordSalt)
			}
		})
	}
}

func TestOtherSecretWarnings(t *testing.T) {
	c := mustLoad(t, Options{Environ: baseEnv(t,
		`SECRET_KEY_FALLBACKS=["changeme", "`+strongSalt+`"]`, "ACCOUNTS_JWT_SECRET_KEY=jwt")})
	for _, want := range []string{
		"SECRET_KEY_FALLBACKS entry 1 is a well-known placeholder value; remove it once the rotation is over",
		"ACCOUNTS_JWT_SECRET_KEY (env ACCOUNTS_JWT_SECRET_KEY) is 3 bytes long",
	} {
		if !hasWarning(c, want) {
			t.Errorf("no warning %q in %q", want, c.Warnings())
		}
	}
	if hasWarning(c, "entry 2") {
		t.Errorf("the strong fallback got a warning: %q", c.Warnings())
	}
}

func TestSecretKeyErrorWithOtherErrors(t *testing.T) {
	_, err := Load(Options{Environ: []string{"MAIL_PORT=x", "ACCOUNTS_DATA_DIR=" + t.TempDir()}})
	if err == nil || !strings.Contains(err.Error(), "SECRET_KEY is not set") || !strings.Contains(err.Error(), "MAIL_PORT") {
		t.Errorf("Load error = %v; want both the SECRET_KEY and the MAIL_PORT problem", err)
	}
}
