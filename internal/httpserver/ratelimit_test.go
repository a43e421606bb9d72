package httpserver_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
	"github.com/invenio-go/accounts/internal/ratelimit/redislimit"
	"github.com/invenio-go/accounts/internal/testenv"
)

var tenPerMinute = []ratelimit.Limit{{Count: 10, Period: time.Minute}}

// withLimits turns Invenio's default per-endpoint limits on, counted in l,
// with a per-account login limit when account is not empty.
func withLimits(l ratelimit.Limiter, account []ratelimit.Limit) harnessOption {
	return func(o *httpserver.Options) {
		o.Limiter = l
		o.Settings.EndpointLimits = map[string][]ratelimit.Limit{"security.login": tenPerMinute,
			"security.register": tenPerMinute, "security.forgot_password": tenPerMinute, "security.reset_password": tenPerMinute}
		o.Settings.LoginAccountLimit = httpserver.AccountLimit{Limits: account, Prefix: "accounts.login",
			Message: "Too many login attempts for this account. Please try again later."}
	}
}

// limiters are the limiters the rate-limit tests run on: in memory, and in
// Redis (each test under its own key prefix).
var limiters = []struct {
	name string
	new  func(t *testing.T) ratelimit.Limiter
}{
	{"memory", func(t *testing.T) ratelimit.Limiter { return memory.New(memory.Options{}) }},
	{"redis", func(t *testing.T) ratelimit.Limiter {
		l, err := redislimit.Open(testenv.RedisURL(t), redislimit.Options{Prefix: "accounts-test:rl:" + t.Name() + time.Now().Format("150405.000") + ":"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}},
}

func TestLoginRateLimitIsAtomic(t *testing.T) {
	for _, lim := range limiters {
		t.Run(lim.name, func(t *testing.T) {
			h := newHarness(t, withLimits(lim.new(t), nil))
			h.createUser("jane@example.org", "correct horse")
			var wg sync.WaitGroup
			var mu sync.Mutex
			codes := map[int]int{}
			start := make(chan struct{})
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r := h.client().api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "wrong horse"})
					mu.Lock()
					codes[r.status]++
					mu.Unlock()
					if r.status == 429 && r.header.Get("Retry-After") == "" {
						t.Errorf("429 without Retry-After")
					}
				}()
			}
			close(start)
			wg.Wait()
			if codes[429] != 40 || codes[400] != 10 {
				t.Errorf("50 parallel attempts against 10 per minute: %v; want 10 through (400) and 40 refused (429)", codes)
			}
		})
	}
}

func TestRateLimitedFormsAndAccounts(t *testing.T) {
	clock := testenv.NewClock(time.Now())
	lim := memory.New(memory.Options{Now: clock.Now})
	h := newHarness(t, withLimits(lim, []ratelimit.Limit{{Count: 3, Period: 15 * time.Minute}}))
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.get("/login/")
	var last response
	for i := 0; i < 4; i++ {
		last = c.postForm("/login/", url.Values{"email": {"jane@example.org"}, "password": {"wrong horse"}}, true)
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "Too many login attempts for this account.") ||
		!strings.Contains(last.body, `name="csrf_token"`) {
		t.Fatalf("4th login on an account limited to 3: %d\n%s", last.status, last.body)
	}
	// Never a permanent lock-out: after the window, the owner gets in.
	clock.Advance(16 * time.Minute)
	if r := c.postForm("/login/", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}}, true); r.status != 302 {
		t.Errorf("after the window: %d", r.status)
	}
	// The per-client limit of the forgot-password form: the 11th is refused.
	f := h.client()
	f.get("/lost-password/")
	for i := 0; i < 11; i++ {
		last = f.postForm("/lost-password/", url.Values{"email": {"x@example.org"}}, true)
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Errorf("11th forgot-password in a minute: %d", last.status)
	}
}
