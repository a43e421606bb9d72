package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/sqlstore/sqltest"
)

const testSecret = "cli-test-secret-key-0123456789abcdef-0123456789"

// cli runs the command line in-process against one configuration.
type cli struct {
	t       *testing.T
	environ []string
}

type result struct {
	code           int
	stdout, stderr string
}

func newCLI(t *testing.T, databaseURI string) *cli {
	t.Helper()
	return &cli{t: t, environ: []string{
		"SECRET_KEY=" + testSecret,
		"ACCOUNTS_DATA_DIR=" + t.TempDir(),
		"SQLALCHEMY_DATABASE_URI=" + databaseURI,
		"SECURITY_PASSWORD_HASH_OPTIONS={\"pbkdf2_sha512\": {\"rounds\": 1000}}",
		"ACCOUNTS_LOG_LEVEL=error",
	}}
}

func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, c.environ, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// step is one command and what it must answer.
type step struct {
	args   []string
	stdin  string
	code   int
	stdout string // a substring of stdout
	stderr string // a substring of stderr
}

func runSteps(t *testing.T, c *cli, steps []step) {
	t.Helper()
	for _, s := range steps {
		r := c.run(s.stdin, s.args...)
		if r.code != s.code || !strings.Contains(r.stdout, s.stdout) || !strings.Contains(r.stderr, s.stderr) {
			t.Errorf("accounts %s\n exit %d, want %d\n stdout %q, want %q\n stderr %q, want %q",
				strings.Join(s.args, " "), r.code, s.code, r.stdout, s.stdout, r.stderr, s.stderr)
		}
	}
}

func args(s string) []string { return strings.Fields(s) }

// userSteps is Invenio's `invenio users|roles` behaviour, message by message.
var userSteps = []step{
	{args: args("users create alice@example.org --password gl4cier-Fox1 -a"), stdout: "User created successfully."},
	{args: args("users create ALICE@example.org --password gl4cier-Fox1"), code: 2,
		stderr: "Error creating user. {'email': ['alice@example.org is already associated with an account.']}"},
	{args: args("users create not-an-email --password gl4cier-Fox1"), code: 2, stderr: "Invalid email address"},
	{args: args("users create bob@example.org --password short"), code: 2, stderr: "Password must be at least 8 characters"},
	{args: args("users create bob@example.org --password password1"), code: 2, stderr: "Password on common passwords list"},
	// Context words: the address' own, and the default site words ("invenio").
	{args: args("users create bob@example.org --password Bob.2024!"), code: 2, stderr: "Password made of the site name, your email or your username"},
	{args: args("users create bob@example.org --password invenio-2024"), code: 2, stderr: "Password made of the site name, your email or your username"},
	{args: args("users create bob@example.org -c -u Bob_1"), stdin: "gl4cier-Fox2\n", stdout: "'username': 'Bob_1'"},
	{args: args("users create"), code: 2, stderr: "Missing argument 'EMAIL'."},
	{args: args("users create carol@example.org"), stdin: "", code: 2, stderr: "No password given"},
	{args: args("roles create admin -d Administrators"), stdout: `Role "admin" created successfully.`},
	{args: args("roles create admin"), stdout: `Role "admin" already existed.`},
	{args: args("roles add alice@example.org admin"), stdout: `Role "admin - Administrators" added to user "alice@example.org" successfully.`},
	{args: args("roles add alice@example.org admin"), code: 2, stderr: "Cannot add role to user."},
	{args: args("roles add nobody@example.org admin"), code: 2, stderr: "Cannot find user."},
	{args: args("roles add alice@example.org nope"), code: 2, stderr: "Cannot find role."},
	{args: args("roles list"), stdout: "Administrators"},
	{args: args("users block alice@example.org"), stdout: `User "alice@example.org" has been blocked.`},
	{args: args("users activate Alice@Example.org"), stdout: `User "Alice@Example.org" has been activated.`},
	{args: args("users activate alice@example.org"), stdout: `User "alice@example.org" was already activated.`},
	{args: args("users deactivate alice@example.org"), stdout: "has been deactivated."},
	{args: args("users deactivate alice@example.org"), stdout: "was already deactivated."},
	{args: args("users verify alice@example.org"), stdout: "has been verified."},
	{args: args("users deactivate nobody@example.org"), code: 2, stderr: "ERROR: User not found."},
	{args: args("users activate 999999"), code: 2, stderr: "ERROR: User not found."},
	{args: args("users list"), stdout: "2 of 2 users"},
	{args: args("roles remove alice@example.org admin"), stdout: `Role "admin - Administrators" removed from user "alice@example.org" successfully.`},
	{args: args("roles remove alice@example.org admin"), code: 2, stderr: "Cannot remove role from user."},
	{args: args("users frobnicate"), code: 2, stderr: `No such command "frobnicate".`},
	{args: args("users list --no-such-flag"), code: 2, stderr: "unknown flag"},
	{args: args("users activate a b"), code: 2, stderr: "unexpected extra argument"},
	{args: args("migrate"), stdout: "The database is up to date."},
	{args: args("version"), stdout: "accounts "},
}

func TestUsersAndRolesOnSQLite(t *testing.T) {
	c := newCLI(t, "sqlite:///"+filepath.Join(t.TempDir(), "cli.db"))
	runSteps(t, c, userSteps)
	checkListJSON(t, c, 2)
}

func TestUsersAndRolesOnPostgres(t *testing.T) {
	c := newCLI(t, sqltest.NewPostgresDatabase(t))
	runSteps(t, c, []step{
		{args: args("users list"), code: 1, stderr: "accounts migrate"},
		{args: args("migrate"), stdout: "Applied 0001_invenio_schema."},
	})
	runSteps(t, c, userSteps)
	checkListJSON(t, c, 2)
}

func TestCommandsOnTheInvenioFixture(t *testing.T) {
	c := newCLI(t, sqltest.NewInvenioDatabase(t))
	runSteps(t, c, []step{
		{args: args("migrate"), stdout: "Applied 0001_invenio_schema."},
		{args: args("migrate --status"), stdout: "applied  0001_invenio_schema"},
		{args: args("users create new4513@example.org --password gl4cier-Fox1 -a"), stdout: "User created successfully."},
		{args: args("users create legacy.user4513@cern.ch --password gl4cier-Fox1"), code: 2, stderr: "already associated"},
		{args: args("roles add legacy.user4513@cern.ch admin"), stdout: `added to user "Legacy.User4513@CERN.ch"`},
		{args: args("roles add 1 curator"), stdout: `Role "curator - Legacy integer-id role" added`},
		{args: args("users block 2"), stdout: `User "2" has been blocked.`},
		{args: args("users list -q 4513"), stdout: "9 of 9 users"},
	})
	var list struct {
		Hits []struct {
			ID        int64
			Email     string
			BlockedAt *string `json:"blocked_at"`
			Roles     []string
		}
	}
	r := c.run("", "users", "list", "--json", "-q", "CERN")
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list.Hits) != 1 {
		t.Fatalf("users list --json: %v %q", err, r.stdout)
	}
	if h := list.Hits[0]; h.ID != 2 || h.BlockedAt == nil || strings.Join(h.Roles, ",") != "admin,curator" {
		t.Errorf("legacy user after block and role add: %+v", h)
	}
}

func checkListJSON(t *testing.T, c *cli, total int) {
	t.Helper()
	r := c.run("", "users", "list", "--json")
	var list struct {
		Total int
		Hits  []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("users list --json: %v\n%s", err, r.stdout)
	}
	if list.Total != total || len(list.Hits) != total {
		t.Fatalf("users list --json: total %d, %d hits; want %d", list.Total, len(list.Hits), total)
	}
	for _, key := range []string{"id", "email", "username", "active", "confirmed_at", "verified_at", "blocked_at", "created", "roles", "login", "two_factor_since"} {
		if _, ok := list.Hits[0][key]; !ok {
			t.Errorf("user object lacks %q: %v", key, list.Hits[0])
		}
	}
	if strings.Contains(r.stdout, "pbkdf2") {
		t.Errorf("users list --json shows a password hash")
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	c := newCLI(t, "sqlite://")
	root := newRootCmd(&env{})
	paths := [][]string{{}}
	for _, sub := range root.Commands() {
		paths = append(paths, []string{sub.Name()})
		for _, leaf := range sub.Commands() {
			paths = append(paths, []string{sub.Name(), leaf.Name()})
		}
	}
	for _, p := range paths {
		r := c.run("", append(p, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("accounts %s --help: exit %d, stdout %q", strings.Join(p, " "), r.code, r.stdout)
		}
	}
}

func TestConfigCheckMasksSecrets(t *testing.T) {
	c := newCLI(t, "sqlite://")
	r := c.run("", "config", "check")
	if r.code != 0 || !strings.Contains(r.stdout, "SECRET_KEY") || strings.Contains(r.stdout, testSecret) {
		t.Errorf("config check: exit %d\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stdout, "SECURITY_PASSWORD_SALT") {
		t.Errorf("config check does not show SECURITY_PASSWORD_SALT")
	}
}

func TestBadConfigurationIsAUsageError(t *testing.T) {
	cases := []struct {
		name, env, stderr string
	}{
		{"no secret key", "SECRET_KEY=", "SECRET_KEY"},
		{"short secret key", "SECRET_KEY=short", "SECRET_KEY"},
		{"well-known secret key", "SECRET_KEY=CHANGE_ME", "SECRET_KEY"},
		{"bad boolean", "SECURITY_REGISTERABLE=maybe", "SECURITY_REGISTERABLE"},
		{"bad duration", "PERMANENT_SESSION_LIFETIME=soon", "PERMANENT_SESSION_LIFETIME"},
		{"bad database", "SQLALCHEMY_DATABASE_URI=mysql://x/y", "SQLALCHEMY_DATABASE_URI"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t, "sqlite://")
			c.environ = append(c.environ, tc.env)
			r := c.run("", "users", "list")
			if r.code != 2 || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 naming %s", r.code, r.stderr, tc.stderr)
			}
		})
	}
}

func TestDeprecatedSchemesCanBeSwitchedOff(t *testing.T) {
	cfg := func(env ...string) *cli {
		c := newCLI(t, "sqlite://")
		c.environ = append(c.environ, env...)
		return c
	}
	c := cfg("SECURITY_DEPRECATED_PASSWORD_SCHEMES=[]", "SECURITY_PASSWORD_SINGLE_HASH=false")
	conf, err := (&env{environ: c.environ}).loadConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHasher(conf)
	if err != nil {
		t.Fatal(err)
	}
	aes := "$invenio-aes$test@test.org$d7eccd13e3987258607f67942184e24d77d85a299ea7a6f412e86627666d6d8c"
	// With no single-hash scheme, invenio-aes is verified over the pre-hash
	// (and fails); with nothing deprecated, nothing needs an update.
	if ok, _ := h.Verify("qwert1234", aes); ok {
		t.Errorf("SECURITY_PASSWORD_SINGLE_HASH=false was read as the default")
	}
	def, _ := (&env{environ: newCLI(t, "sqlite://").environ}).loadConfig(nil)
	hd, _ := newHasher(def)
	if ok, update := hd.Verify("qwert1234", aes); !ok || !update {
		t.Errorf("defaults: invenio-aes verify %v update %v, want true true", ok, update)
	}
}
