package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseBool(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{in: "true", want: true}, {in: "True", want: true}, {in: "TRUE", want: true},
		{in: "1", want: true}, {in: "yes", want: true}, {in: "On", want: true}, {in: " true ", want: true},
		{in: "false"}, {in: "False"}, {in: "0"}, {in: "no"}, {in: "OFF"},
		{in: "", wantErr: true}, {in: "2", wantErr: true}, {in: "maybe", wantErr: true},
		{in: "t", wantErr: true}, {in: "None", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseBool(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseBool(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{in: "0"}, {in: "42", want: 42}, {in: " -7 ", want: -7}, {in: "+3", want: 3},
		{in: "", wantErr: true}, {in: "1.5", wantErr: true}, {in: "0x10", wantErr: true},
		{in: "1e3", wantErr: true}, {in: "99999999999999999999", wantErr: true}, {in: "ten", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseInt(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseInt(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "", want: nil},
		{in: "a", want: []string{"a"}},
		{in: "a.org, b.org ,,c.org,", want: []string{"a.org", "b.org", "c.org"}},
		{in: `["a.org", "b.org"]`, want: []string{"a.org", "b.org"}},
		{in: `[]`, want: []string{}},
		{in: `["a", "", " b "]`, want: []string{"a", "b"}},
		{in: `['a.org', 'b.org']`, want: []string{"a.org", "b.org"}},   // invenio-config's Python form
		{in: `('pbkdf2_sha512',)`, want: []string{"pbkdf2_sha512"}},    // a Python tuple
		{in: `["caf\u00e9", "x\\y"]`, want: []string{"café", `x\y`}},   // JSON escapes
		{in: `[::1], localhost`, want: []string{"[::1]", "localhost"}}, // not JSON, no quotes
		{in: `["a", "b"`, wantErr: "JSON array"},
		{in: `[1, 2]`, wantErr: "found a number"},
		{in: `[["a"]]`, wantErr: "found an array"},
		{in: `{"a": "b"}`, want: []string{`{"a": "b"}`}}, // comma-separated, one item
	}
	for _, tt := range tests {
		got, err := ParseList(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseList(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseList(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseList(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseDict(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]any
		wantErr string
	}{
		{in: `{}`, want: map[string]any{}},
		{in: `{"x_for": 1, "x_proto": 1}`, want: map[string]any{"x_for": int64(1), "x_proto": int64(1)}},
		{in: `{'x_for': 2, 'x_host': 0,}`, want: map[string]any{"x_for": int64(2), "x_host": int64(0)}},
		{in: `{"pbkdf2_sha512": {"rounds": 300000}}`, want: map[string]any{"pbkdf2_sha512": map[string]any{"rounds": int64(300000)}}},
		{in: `{'a': True, 'b': None, 'c': [1.5, "s"]}`, want: map[string]any{"a": true, "b": nil, "c": []any{1.5, "s"}}},
		{in: ` {"security.login": "5 per minute"} `, want: map[string]any{"security.login": "5 per minute"}},
		{in: `{"a": "\ud83d\ude00"}`, want: map[string]any{"a": "😀"}},
		{in: "", wantErr: "unexpected end"},
		{in: `[1]`, wantErr: "found an array"},
		{in: `{"a" 1}`, wantErr: "expected ':'"},
		{in: `{"a": 1} x`, wantErr: "after the value"},
		{in: `{1: 2}`, wantErr: "keys must be strings"},
		{in: `{"a": undefined}`, wantErr: "unexpected"},
		{in: `{"a": "b`, wantErr: "unterminated"},
		{in: strings.Repeat("[", 100), wantErr: "nested too deeply"},
	}
	for _, tt := range tests {
		got, err := ParseDict(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDict(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDict(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseDict(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "30 minutes", want: 30 * time.Minute},
		{in: "1 days", want: day},
		{in: "1 day", want: day},
		{in: "31 days", want: 31 * day},
		{in: "2 hours", want: 2 * time.Hour},
		{in: "1 hour", want: time.Hour},
		{in: "1 weeks", want: 7 * day},
		{in: "45 seconds", want: 45 * time.Second},
		{in: "1 second", want: time.Second},
		{in: "500 milliseconds", want: 500 * time.Millisecond},
		{in: "10 microseconds", want: 10 * time.Microsecond},
		{in: "1.5 hours", want: 90 * time.Minute},
		{in: "1 hour 30 minutes", want: 90 * time.Minute},
		{in: "  30   Minutes ", want: 30 * time.Minute},
		{in: "1800", want: 30 * time.Minute},
		{in: "0", want: 0},
		{in: "0.5", want: 500 * time.Millisecond},
		{in: "2678400", want: 31 * day},
		{in: "30m", want: 30 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "", wantErr: true},
		{in: "-5", wantErr: true},
		{in: "-1h", wantErr: true},
		{in: "-1 days", wantErr: true},
		{in: "30", want: 30 * time.Second},
		{in: "thirty minutes", wantErr: true},
		{in: "30 fortnights", wantErr: true},
		{in: "minutes", wantErr: true},
		{in: "1 days 2", wantErr: true},
		{in: "inf", wantErr: true},
		{in: "NaN", wantErr: true},
		{in: "1e300", wantErr: true},
		{in: "1e10 weeks", wantErr: true},
		{in: "200000 days 200000 days", wantErr: true},
		{in: "timedelta(days=31)", wantErr: true},
		{in: "0x10 seconds", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		in      string
		want    []Limit
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "[]", want: nil},
		{in: " [] ", want: nil},
		{in: "10 per minute", want: []Limit{{10, time.Minute}}},
		{in: "5000 per hour;100 per minute", want: []Limit{{5000, time.Hour}, {100, time.Minute}}},
		{in: "5 per 15 minutes", want: []Limit{{5, 15 * time.Minute}}},
		{in: "3/hour, 10/day", want: []Limit{{3, time.Hour}, {10, 24 * time.Hour}}},
		{in: "1 PER Second | 2 per 2 months", want: []Limit{{1, time.Second}, {2, 60 * 24 * time.Hour}}},
		{in: "1 per year", want: []Limit{{1, 360 * 24 * time.Hour}}},
		{in: "per minute", wantErr: true},
		{in: "0 per minute", wantErr: true},
		{in: "10 minute", wantErr: true},
		{in: "10 per fortnight", wantErr: true},
		{in: "10 perminute", wantErr: true},
		{in: "10 per 99999999999999999999 years", wantErr: true},
		{in: "[10 per minute]", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseLimits(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseLimits(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseLimits(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestLimitString(t *testing.T) {
	for _, tt := range []struct {
		l    Limit
		want string
	}{
		{Limit{10, time.Minute}, "10 per 1 minute"},
		{Limit{5, 15 * time.Minute}, "5 per 15 minute"},
		{Limit{1, 24 * time.Hour}, "1 per 1 day"},
		{Limit{1, 1500 * time.Millisecond}, "1 per 1.5s"},
	} {
		if got := tt.l.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.l, got, tt.want)
		}
	}
}

func TestParseDatabaseURI(t *testing.T) {
	tests := []struct {
		in, driver, dsn string
		wantErr         bool
	}{
		{in: "postgresql://u:p@db.example:5432/invenio", driver: "postgres", dsn: "postgresql://u:p@db.example:5432/invenio"},
		{in: "postgres://u@h/db", driver: "postgres", dsn: "postgresql://u@h/db"},
		{in: "postgresql+psycopg2://invenio:invenio@localhost/invenio", driver: "postgres", dsn: "postgresql://invenio:invenio@localhost/invenio"},
		{in: "postgresql+psycopg://u:p@h/db?sslmode=require", driver: "postgres", dsn: "postgresql://u:p@h/db?sslmode=require"},
		{in: "POSTGRESQL+PSYCOPG2://u@h/db", driver: "postgres", dsn: "postgresql://u@h/db"},
		{in: "postgresql:///db?host=/var/run/postgresql", driver: "postgres", dsn: "postgresql:///db?host=/var/run/postgresql"},
		{in: "sqlite:///data/accounts.db", driver: "sqlite", dsn: "data/accounts.db"},
		{in: "sqlite:////var/lib/accounts/accounts.db", driver: "sqlite", dsn: "/var/lib/accounts/accounts.db"},
		{in: "sqlite://", driver: "sqlite", dsn: ":memory:"},
		{in: "sqlite:///:memory:", driver: "sqlite", dsn: ":memory:"},
		{in: "sqlite:///my%20file.db", driver: "sqlite", dsn: "my file.db"},
		{in: "sqlite+pysqlite:///x.db", driver: "sqlite", dsn: "x.db"},
		{in: "mysql://u:p@h/db", wantErr: true},
		{in: "postgresql+asyncpg://u@h/db", wantErr: true},
		{in: "sqlite://host/x.db", wantErr: true},
		{in: "sqlite:///x.db?mode=ro", wantErr: true},
		{in: "sqlite:///%zz", wantErr: true},
		{in: "postgresql://u:p@h:port/db", wantErr: true},
		{in: "accounts.db", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		driver, dsn, err := parseDatabaseURI(tt.in)
		if (err != nil) != tt.wantErr || driver != tt.driver || dsn != tt.dsn {
			t.Errorf("parseDatabaseURI(%q) = %q, %q, %v; want %q, %q, error %v", tt.in, driver, dsn, err, tt.driver, tt.dsn, tt.wantErr)
		}
	}
}

func TestMaskURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"postgresql://user:s3cret@host/db", "postgresql://user:****@host/db"},
		{"postgresql+psycopg2://user:p/a?s@s@host:5432/db", "postgresql+psycopg2://user:****@host:5432/db"},
		{"postgresql://user@host/db", "postgresql://user@host/db"},
		{"postgresql://host/db?user=u&password=s3cret&sslmode=require", "postgresql://host/db?user=u&password=****&sslmode=require"},
		{"redis://:s3cret@localhost:6379/1", "redis://:****@localhost:6379/1"},
		{"redis://localhost:6379/1", "redis://localhost:6379/1"},
		{"user:s3cret@host/db", "****"},
		{"sqlite:///data/accounts.db", "sqlite:///data/accounts.db"},
	} {
		if got := maskURL(tt.in); got != tt.want {
			t.Errorf("maskURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
