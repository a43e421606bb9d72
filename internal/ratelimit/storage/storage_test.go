package storage

import (
	"context"
	"crypto/rand"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
	"github.com/invenio-go/accounts/internal/ratelimit/redislimit"
	"github.com/invenio-go/accounts/internal/session/redisstore"
	"github.com/invenio-go/accounts/internal/testenv"
)

func TestFromURI(t *testing.T) {
	tests := []struct {
		uri     string
		want    string // "memory", "redis" or "" for an error
		errText string
	}{
		{"memory://", "memory", ""},
		{"redis://localhost:6379/0", "redis", ""},
		{"rediss://user:sekret@redis.example.org:6380/2?dial_timeout=1s", "redis", ""},
		{"redis+sentinel://:sekret@s1,s2:26380/mymaster/0", "redis", ""},
		{"redis+cluster://n1:7000,n2:7001", "redis", ""},
		{"unix:///run/redis.sock?db=1", "redis", ""},
		{"", "", "no scheme"},
		{"localhost:6379", "", "no scheme"},
		{"memory://x", "", "memory://"},
		{"memcached://h:11211", "", `"memcached://"`},
		{"mongodb://user:sekret@h/db", "", "unsupported"},
		{"user:sekret@h://x", "", "invalid"},
		{"redis://:sekret@h:port/0", "", "invalid"},
		{"redis+sentinel://:sekret@h/", "", "master"},
		{"redis+cluster://:sekret@h/3", "", "database"},
	}
	for _, tt := range tests {
		l, err := FromURI(tt.uri, Options{})
		switch {
		case tt.want == "" && err == nil:
			l.Close()
			t.Errorf("FromURI(%q) succeeded, want an error", tt.uri)
		case tt.want == "":
			if !strings.Contains(err.Error(), tt.errText) || strings.Contains(err.Error(), "sekret") {
				t.Errorf("FromURI(%q) error = %q, want it to mention %q and not the password", tt.uri, err, tt.errText)
			}
		case err != nil:
			t.Errorf("FromURI(%q) = %v", tt.uri, err)
		default:
			_, isMem := l.(*memory.Limiter)
			_, isRedis := l.(*redislimit.Limiter)
			if isMem != (tt.want == "memory") || isRedis != (tt.want == "redis") {
				t.Errorf("FromURI(%q) = %T, want %s", tt.uri, l, tt.want)
			}
			l.Close()
		}
	}
}

// TestFromURIRedis checks that the Redis options reach the limiter.
func TestFromURIRedis(t *testing.T) {
	prefix := "accounts-test:ratelimit:" + rand.Text() + ":"
	deleteLater(t, testenv.RedisURL(t), prefix)
	l, err := FromURI(testenv.RedisURL(t), Options{Redis: redislimit.Options{Prefix: prefix}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	key := "k"
	lim := []ratelimit.Limit{{Count: 1, Period: 5 * time.Second}}
	for _, want := range []bool{true, false} {
		if d, err := l.Allow(context.Background(), key, lim); err != nil || d.Allowed != want {
			t.Fatalf("Allow = %+v, %v; want allowed %t", d, err, want)
		}
	}
	second, err := FromURI(testenv.RedisURL(t), Options{Redis: redislimit.Options{Prefix: prefix}})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if d, err := second.Allow(context.Background(), key, lim); err != nil || d.Allowed {
		t.Fatalf("a second limiter on the same prefix: Allow = %+v, %v; want refused", d, err)
	}
}

// deleteLater deletes the keys under prefix when the test ends.
func deleteLater(t *testing.T, rawURL, prefix string) {
	c, err := redisstore.NewClient(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer c.Close()
		ctx := context.Background()
		keys, err := c.Keys(ctx, prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = c.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("clean up: %v", err)
		}
	})
}

// FuzzFromURI checks that FromURI never panics and that its errors never
// show the URI's password.
func FuzzFromURI(f *testing.F) {
	for _, s := range []string{
		"memory://", "memory://x", "redis://localhost:6379/0",
		"rediss://user:sekret@redis.example.org:6380/2?dial_timeout=1s&pool_size=20",
		"redis+sentinel://:sekret@s1,s2:26380/mymaster/0?sentinel_password=sp",
		"rediss+cluster://u:sekret@n1:7000,n2:7001?addr=n3:7002", "unix://:sekret@/run/redis.sock?db=1",
		"redis://:sekret@h:port/0", "redis://:sekret@[::1/0", "redis://:sekret@h/0?dial_timeout=x",
		"mongodb://user:sekret@h/db", "user:sekret@h://x", "", "://",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		l, err := FromURI(uri, Options{})
		if err == nil {
			l.Close()
			return
		}
		if u, perr := url.Parse(uri); perr == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && len(pw) >= 4 && strings.Contains(err.Error(), pw) {
				// The password may also be a word of the fixed text ("port"
				// in "unsupported"): it leaks only if the message changes
				// with it.
				u.User = url.UserPassword(u.User.Username(), "Zq9-redacted")
				_, err2 := FromURI(u.String(), Options{})
				if err2 == nil || !strings.Contains(err2.Error(), pw) {
					t.Fatalf("FromURI(%q) error %q shows the password", uri, err)
				}
			}
		}
	})
}
