package httpserver_test

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/session/redisstore"
)

func TestAPIScenarios(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("jane@example.org", "correct horse")
		type call struct {
			method, path string
			body         any
			status       int
			want         map[string]any // top-level keys that must match
		}
		validation := func(field, msg string) map[string]any {
			return map[string]any{"status": 400.0, "message": "Validation error.",
				"errors": []any{map[string]any{"field": field, "message": msg}}}
		}
		cases := []struct {
			name  string
			calls []call
		}{
			{"me anonymous", []call{{"GET", "/api/me", nil, 401, map[string]any{"status": 401.0}}}},
			{"login and me", []call{
				{"POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"}, 200,
					map[string]any{"email": "jane@example.org", "confirmed_at": nil, "roles": []any{}}},
				{"GET", "/api/me", nil, 200, map[string]any{"email": "jane@example.org"}},
				{"POST", "/api/login", map[string]string{"email": "other@example.org", "password": "x"}, 200, map[string]any{"email": "jane@example.org"}},
				{"POST", "/api/logout", nil, 200, map[string]any{"message": "User logged out."}},
				{"GET", "/api/me", nil, 401, nil},
			}},
			{"wrong password", []call{{"POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "wrong horse"}, 400,
				validation("password", "Invalid email or password.")}}},
			{"unknown email", []call{{"POST", "/api/login", map[string]string{"email": "nobody@example.org", "password": "wrong horse"}, 400,
				validation("password", "Invalid email or password.")}}},
			{"missing password", []call{{"POST", "/api/login", map[string]string{"email": "jane@example.org"}, 400,
				validation("password", "Missing data for required field.")}}},
			{"bad email", []call{{"POST", "/api/login", map[string]string{"email": "jane", "password": "x"}, 400,
				validation("email", "Not a valid email address.")}}},
			{"unknown field", []call{{"POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "x", "admin": "1"}, 400,
				map[string]any{"message": "Validation error."}}}},
			{"not a string", []call{{"POST", "/api/login", map[string]any{"email": "jane@example.org", "password": 5}, 400,
				map[string]any{"message": "Validation error."}}}},
			{"register", []call{
				{"POST", "/api/register", map[string]string{"email": "New@example.org", "password": "correct horse"}, 200,
					map[string]any{"email": "new@example.org"}},
				{"GET", "/api/me", nil, 200, map[string]any{"email": "new@example.org"}},
			}},
			{"register taken", []call{{"POST", "/api/register", map[string]string{"email": "jane@example.org", "password": "correct horse"}, 400,
				validation("email", "jane@example.org is already associated with an account.")}}},
			{"register short password", []call{{"POST", "/api/register", map[string]string{"email": "short@example.org", "password": "short"}, 400,
				validation("password", "Password must be at least 8 characters")}}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := h.client()
				for _, k := range tc.calls {
					r := c.api(k.method, k.path, k.body)
					if r.status != k.status {
						t.Fatalf("%s %s = %d, want %d: %s", k.method, k.path, r.status, k.status, r.body)
					}
					got := r.json(t)
					for key, want := range k.want {
						if !reflect.DeepEqual(got[key], want) {
							t.Errorf("%s %s: %s = %#v, want %#v", k.method, k.path, key, got[key], want)
						}
					}
				}
			})
		}
	})
}

func TestAPIFormBodies(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	req := newFormRequest(h.ts.URL+"/api/login", map[string][]string{"email": {"jane@example.org"}, "password": {"correct horse"}})
	if r := c.do(req); r.status != 200 {
		t.Fatalf("form login = %d %s", r.status, r.body)
	}
}

func TestAPICSRF(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("jane@example.org", "correct horse")
		c := h.client()
		if r := c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"}); r.status != 200 {
			t.Fatalf("login without cookies needs no CSRF header: %d", r.status)
		}
		tok := c.cookie("csrftoken")
		for name, header := range map[string]string{"missing": "", "wrong": "x" + tok} {
			req, _ := http.NewRequest("POST", h.ts.URL+"/api/logout", nil)
			if header != "" {
				req.Header.Set("X-CSRFToken", header)
			}
			if r := c.do(req); r.status != 400 || !strings.Contains(r.body, "CSRF") {
				t.Errorf("%s X-CSRFToken: %d %s", name, r.status, r.body)
			}
		}
		if c.get("/api/me").status != 200 {
			t.Fatalf("a refused logout logged out")
		}
		if r := c.api("POST", "/api/logout", nil); r.status != 200 {
			t.Errorf("logout with the header: %d %s", r.status, r.body)
		}
		if c.cookie("csrftoken") == tok {
			t.Errorf("the CSRF token was not renewed at logout")
		}
	})
}

func TestAPIIssuesCSRFCookieOnFirstWrite(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	c.setCookie("unrelated", "1")
	r := c.api("POST", "/api/login", map[string]string{"email": "a@example.org", "password": "x"})
	if r.status != 400 || !strings.Contains(r.body, "CSRF cookie not set.") || c.cookie("csrftoken") == "" {
		t.Errorf("first write with cookies but no csrftoken: %d %s (cookie %q)", r.status, r.body, c.cookie("csrftoken"))
	}
}

func TestStoreDownIs503(t *testing.T) {
	// A signed, well-formed session cookie makes the server ask the store.
	store, err := redisstore.Open("redis://127.0.0.1:1/0", redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := newHarnessWithStore(t, store)
	healthy := newHarness(t)
	healthy.createUser("jane@example.org", "correct horse")
	good := healthy.client()
	good.loginForm("jane@example.org", "correct horse")
	c := h.client()
	c.setCookie("session", good.cookie("session"))
	start := time.Now()
	r := c.get("/api/me")
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("store down: /api/me = %d %s", r.status, r.body)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("store down: answered after %v", d)
	}
	if r := h.client().get("/login/"); r.status != 200 {
		t.Errorf("store down: an anonymous page without a session cookie = %d, want 200", r.status)
	}
}

// TestOpenAPIMatchesRoutes keeps the OpenAPI document true: every API route
// is documented and every documented operation is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t, withTwoFactor(false)) // every optional route
	r := h.client().get("/api/openapi.json")
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || r.status != 200 || doc.OpenAPI == "" {
		t.Fatalf("GET /api/openapi.json = %d, %v", r.status, err)
	}
	var documented, routed []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, rt := range routesForTest(h) {
		routed = append(routed, rt)
	}
	sort.Strings(documented)
	sort.Strings(routed)
	if !reflect.DeepEqual(documented, routed) {
		t.Errorf("OpenAPI operations %v\nAPI routes %v", documented, routed)
	}
	if _, err := os.Stat("openapi.json"); err != nil {
		t.Errorf("openapi.json: %v", err)
	}
}

// jsonNames returns the JSON names of a struct type's fields, sorted.
func jsonNames(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIAdminUser keeps the admin user object of the OpenAPI document
// true to accounts.UserView, and the list's filters to accounts.UserFilters.
func TestOpenAPIAdminUser(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Type       any               `json:"type"`
		Nullable   bool              `json:"nullable"`
		Format     string            `json:"format"`
		Required   []string          `json:"required"`
		Enum       []string          `json:"enum"`
		Properties map[string]schema `json:"properties"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema schema `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	user := doc.Components.Schemas["AdminUser"]
	names := func(props map[string]schema) []string {
		var out []string
		for k := range props {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if got, want := names(user.Properties), jsonNames(reflect.TypeFor[accounts.UserView]()); !reflect.DeepEqual(got, want) {
		t.Errorf("AdminUser properties %v, accounts.UserView fields %v", got, want)
	}
	if got, want := names(user.Properties["login"].Properties), jsonNames(reflect.TypeFor[accounts.LoginView]()); !reflect.DeepEqual(got, want) {
		t.Errorf("AdminUser login properties %v, accounts.LoginView fields %v", got, want)
	}
	tf := user.Properties["two_factor_since"]
	if tf.Type != "string" || !tf.Nullable || tf.Format != "date-time" || !slices.Contains(user.Required, "two_factor_since") {
		t.Errorf("AdminUser two_factor_since = %+v (required %v), want a required nullable date-time", tf, user.Required)
	}
	var filters []string
	for _, p := range doc.Paths["/api/admin/users"]["get"].Parameters {
		if p.Name == "filter" {
			filters = p.Schema.Enum
		}
	}
	if !reflect.DeepEqual(filters, accounts.UserFilters) {
		t.Errorf("GET /api/admin/users filter enum %v, accounts.UserFilters %v", filters, accounts.UserFilters)
	}
}
