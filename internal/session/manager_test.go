package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/token"
)

func TestNewOptions(t *testing.T) {
	yes := true
	store := session.Store(failingStore{})
	tests := []struct {
		name string
		opts session.Options
		ok   bool
	}{
		{"defaults", session.Options{Secret: testSecret}, true},
		{"no secret", session.Options{}, false},
		{"negative lifetime", session.Options{Secret: testSecret, Lifetime: -1}, false},
		{"negative idle", session.Options{Secret: testSecret, IdleTimeout: -1}, false},
		{"__Host- without Secure", session.Options{Secret: testSecret, CookieName: "__Host-session"}, false},
		{"__Host- with Domain", session.Options{Secret: testSecret, CookieName: "__Host-session", Secure: true, Domain: "example.org"}, false},
		{"__Host- with Path", session.Options{Secret: testSecret, CookieName: "__Host-session", Secure: true, Path: "/app"}, false},
		{"__Host- right", session.Options{Secret: testSecret, CookieName: "__Host-session", Secure: true, HTTPOnly: &yes}, true},
		{"__Secure- without Secure", session.Options{Secret: testSecret, CookieName: "__Secure-s"}, false},
		{"SameSite None without Secure", session.Options{Secret: testSecret, SameSite: http.SameSiteNoneMode}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := session.New(store, tt.opts)
			if (err == nil) != tt.ok {
				t.Errorf("New = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	if _, err := session.New(nil, session.Options{Secret: testSecret}); err == nil {
		t.Error("New(nil store) = nil error")
	}
}

// TestBadCookiesAreAnonymous: every kind of bad cookie loads as a new
// anonymous session, without an error or a panic, and costs no store
// lookup unless it is validly signed.
func TestBadCookiesAreAnonymous(t *testing.T) {
	c := newClock()
	store := &countingStore{Store: newMemStore(t)}
	n := newNode(t, store, c, session.Options{})
	good := n.login(1)
	signer := token.NewSigner(testSecret, token.DefaultSalt)
	tok, _, err := session.ParseCookie(signer, good)
	if err != nil {
		t.Fatal(err)
	}
	random, _, _ := strings.Cut(tok, "_")
	tests := []struct {
		name, header string
		lookup       bool // validly signed and well formed: one store Get
	}{
		{"empty", "session=", false},
		{"no value", "session", false},
		{"garbage", "session=garbage", false},
		{"tampered signature", "session=" + good[:len(good)-2] + "AA", false},
		{"tampered token", "session=" + strings.Replace(good, random[:4], "ffff", 1), false},
		{"truncated", "session=" + good[:len(good)-5], false},
		{"signature only", "session=" + good[strings.LastIndex(good, "."):], false},
		{"token only", "session=" + tok, false},
		{"other key", "session=" + token.NewSigner([]byte("other"), token.DefaultSalt).Sign(tok), false},
		{"flask-kvsession 64-bit sid", "session=" + signer.Sign("1234abcd5678ef90_"+hexTime(c.Now())), false},
		{"signed garbage", "session=" + signer.Sign("hello"), false},
		{"unknown token", "session=" + signer.Sign(session.NewToken(c.Now())), true},
		{"future token", "session=" + signer.Sign(session.NewToken(c.Now().Add(time.Hour))), false},
		{"expired token", "session=" + signer.Sign(session.NewToken(c.Now().Add(-session.DefaultLifetime))), false},
		{"huge", "session=" + strings.Repeat("A", 5000), false},
		{"very huge", "session=" + strings.Repeat(good, 20000), false},
		{"unicode", "session=" + "héllo_ü." + "sig", false},
		{"non utf-8", "session=\xff\xfe" + good, false},
		{"quoted", `session="` + good + `x"`, false},
		{"control bytes", "session=\x00\x01" + good, false},
		{"other cookie only", "csrftoken=" + good, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := store.gets.Load()
			s, err := n.m.Load(request(tt.header))
			if err != nil || s == nil {
				t.Fatalf("Load = %v, %v", s, err)
			}
			if s.UserID() != 0 || !s.IsNew() || s.ID() != "" {
				t.Errorf("loaded user %d, new %v, id %q; want a new anonymous session", s.UserID(), s.IsNew(), s.ID())
			}
			if lookups := store.gets.Load() - before; lookups != map[bool]int64{true: 1}[tt.lookup] {
				t.Errorf("%d store lookups", lookups)
			}
			if c := n.save(s); c != nil {
				t.Errorf("Save of an untouched anonymous session set a cookie: %v", c)
			}
		})
	}
	n.wantUser(good, 1)
}

func hexTime(t time.Time) string {
	tok := session.NewToken(t)
	return tok[strings.IndexByte(tok, '_')+1:]
}

func TestAnonymousStoresNothing(t *testing.T) {
	store := newMemStore(t)
	n := newNode(t, store, newClock(), session.Options{})
	s := n.load("")
	if !s.IsNew() || s.UserID() != 0 || s.ID() != "" || len(s.PopFlashes()) != 0 || s.Get("k") != "" {
		t.Fatal("a new session is not empty")
	}
	s.Set("k", "v")
	s.Delete("k")
	if c := n.save(s); c != nil {
		t.Errorf("Save set a cookie: %v", c)
	}
	if store.Len() != 0 {
		t.Errorf("the store holds %d records", store.Len())
	}
}

func TestLoginCookie(t *testing.T) {
	c := newClock()
	store := newMemStore(t)
	n := newNode(t, store, c, session.Options{Secure: true, Domain: "example.org"})
	s := n.load("")
	s.Login(42)
	s.SetCSRFToken("csrf")
	s.Set("lang", "de")
	cookie := n.save(s)
	switch {
	case cookie == nil:
		t.Fatal("no cookie")
	case !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Domain != "example.org":
		t.Errorf("cookie attributes: %+v", cookie)
	case !cookie.Expires.Equal(c.Now().Add(session.DefaultLifetime)):
		t.Errorf("Expires = %v, want creation + 31 days", cookie.Expires)
	}
	tok, _, err := session.ParseCookie(token.NewSigner(testSecret, token.DefaultSalt), cookie.Value)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := session.DeriveID(tok)
	if s.ID() != id || store.Len() != 1 {
		t.Errorf("ID = %q, want %q; %d records", s.ID(), id, store.Len())
	}
	got := n.load(cookie.Value)
	if got.UserID() != 42 || got.IsNew() || got.ID() != id || got.CSRFToken() != "csrf" || got.Get("lang") != "de" ||
		!got.AuthTime().Equal(c.Now()) || !got.Created().Equal(c.Now()) {
		t.Errorf("loaded user %d new %v id %q csrf %q values %v auth %v", got.UserID(), got.IsNew(), got.ID(), got.CSRFToken(), got.Values(), got.AuthTime())
	}
	// The stored record holds neither the token nor the cookie.
	data, err := store.Get(context.Background(), id)
	if err != nil || strings.Contains(string(data), tok) || strings.Contains(string(data), strings.Split(tok, "_")[0]) {
		t.Errorf("stored record %q, %v", data, err)
	}
	// An unchanged session is not written again, and no cookie is sent.
	if c := n.save(got); c != nil {
		t.Errorf("Save of an unchanged session set a cookie")
	}
}

func TestFlashes(t *testing.T) {
	store := newMemStore(t)
	n := newNode(t, store, newClock(), session.Options{})
	s := n.load("")
	s.AddFlash("info", "Saved.")
	s.AddFlash("error", "<b>Oops</b>")
	cookie := n.save(s)
	if cookie == nil || store.Len() != 1 {
		t.Fatal("a flash on an anonymous session was not stored")
	}
	s = n.load(cookie.Value)
	want := []session.Flash{{"info", "Saved."}, {"error", "<b>Oops</b>"}}
	if got := s.PopFlashes(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("PopFlashes = %v", got)
	}
	if len(s.PopFlashes()) != 0 {
		t.Error("flashes popped twice")
	}
	// Now empty: the record goes and the cookie expires.
	expired := n.save(s)
	if expired == nil || expired.MaxAge >= 0 || store.Len() != 0 {
		t.Errorf("emptied session: cookie %v, %d records", expired, store.Len())
	}
}

// TestFlashesAreBounded: a session keeps only the newest MaxFlashes
// messages, across saves, however many a client that never shows a page
// piles up.
func TestFlashesAreBounded(t *testing.T) {
	store := newMemStore(t)
	n := newNode(t, store, newClock(), session.Options{})
	s := n.load("")
	cookie := ""
	for i := range 3 * session.MaxFlashes {
		s.AddFlash("info", fmt.Sprint("message ", i))
		if c := n.save(s); c != nil {
			cookie = c.Value
		}
		s = n.load(cookie)
	}
	got := s.PopFlashes()
	if len(got) != session.MaxFlashes {
		t.Fatalf("%d flashes kept, want %d", len(got), session.MaxFlashes)
	}
	if first, last := got[0].Message, got[len(got)-1].Message; first != fmt.Sprint("message ", 2*session.MaxFlashes) ||
		last != fmt.Sprint("message ", 3*session.MaxFlashes-1) {
		t.Errorf("kept %q .. %q, want the newest", first, last)
	}
}

func TestRenewRotates(t *testing.T) {
	store := newMemStore(t)
	n := newNode(t, store, newClock(), session.Options{})
	old := n.login(5)
	s := n.load(old)
	oldID := s.ID()
	s.AddFlash("info", "kept")
	n.m.Renew(s)
	cookie := n.save(s)
	if cookie == nil || cookie.Value == old || s.ID() == oldID || s.ID() == "" {
		t.Fatalf("Renew did not rotate: %v", cookie)
	}
	n.wantUser(old, 0)
	got := n.load(cookie.Value)
	if got.UserID() != 5 || len(got.PopFlashes()) != 1 || store.Len() != 1 {
		t.Errorf("renewed session: user %d, %d records", got.UserID(), store.Len())
	}
}

// TestFixation: an anonymous cookie that logs in is replaced, and the old
// one stays anonymous (invenio-accounts fffe1ac).
func TestFixation(t *testing.T) {
	n := newNode(t, newMemStore(t), newClock(), session.Options{})
	s := n.load("")
	s.SetCSRFToken("x")
	c0 := n.save(s).Value
	s = n.load(c0)
	s.Login(9)
	c1 := n.save(s)
	if c1 == nil || c1.Value == c0 {
		t.Fatal("login kept the anonymous cookie")
	}
	n.wantUser(c0, 0)
	n.wantUser(c1.Value, 9)
}

func TestLogoutKeepsData(t *testing.T) {
	store := newMemStore(t)
	n := newNode(t, store, newClock(), session.Options{})
	s := n.load(n.login(3))
	s.SetCSRFToken("tok")
	s.Logout()
	s.AddFlash("info", "You have been logged out.")
	c := n.save(s)
	got := n.load(c.Value)
	if got.UserID() != 0 || got.CSRFToken() != "tok" || len(got.PopFlashes()) != 1 || store.Len() != 1 {
		t.Errorf("after logout: user %d, csrf %q, %d records", got.UserID(), got.CSRFToken(), store.Len())
	}
}

func TestDestroy(t *testing.T) {
	store := newMemStore(t)
	n := newNode(t, store, newClock(), session.Options{})
	value := n.login(8)
	s := n.load(value)
	w := newRecorder()
	if err := n.m.Destroy(context.Background(), w, s); err != nil {
		t.Fatal(err)
	}
	if c := sessionCookie(w); c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("Destroy cookie = %v, want an expired one", c)
	}
	if store.Len() != 0 || s.UserID() != 0 || s.ID() != "" {
		t.Errorf("after Destroy: %d records, user %d", store.Len(), s.UserID())
	}
	n.wantUser(value, 0)
}

func TestStoreDown(t *testing.T) {
	c := newClock()
	n := newNode(t, newMemStore(t), c, session.Options{})
	value := n.login(1)
	down := newNode(t, failingStore{}, c, session.Options{})
	s, err := down.m.Load(request("session=" + value))
	if !errors.Is(err, errDown) || s == nil || s.UserID() != 0 {
		t.Errorf("Load on a dead store = %v, %v; want an anonymous session and the error", s, err)
	}
	// Without a validly signed cookie the store is not asked.
	if _, err := down.m.Load(request("session=garbage")); err != nil {
		t.Errorf("Load of garbage on a dead store = %v", err)
	}
	s.Login(1)
	w := newRecorder()
	if err := down.m.Save(context.Background(), w, s); !errors.Is(err, errDown) || sessionCookie(w) != nil {
		t.Errorf("Save on a dead store = %v, cookie %v", err, sessionCookie(w))
	}
}

func TestGarbageRecords(t *testing.T) {
	c := newClock()
	store := newMemStore(t)
	n := newNode(t, store, c, session.Options{})
	signer := token.NewSigner(testSecret, token.DefaultSalt)
	for _, data := range []string{
		"\x80\x04\x95\x15\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x08_user_id\x94\x8c\x011\x94s.", // a pickle
		"", "null", "[]", `{"user_id":1}`, `{"created":1}`, `{"user_id":-1,"created":1,"last_seen":1}`,
		`{"user_id":1,"created":CREATED,"last_seen":CREATED}`, // logged in without an auth time
		`{"created":CREATED,"last_seen":CREATED,"values":{"a":1}}`,
		strings.Repeat(" ", 70000) + `{"created":CREATED,"last_seen":CREATED,"csrf":"x"}`,
	} {
		tok := session.NewToken(c.Now())
		id, _ := session.DeriveID(tok)
		data = strings.ReplaceAll(data, "CREATED", itoa(c.Now().Unix()))
		if err := store.Put(context.Background(), id, []byte(data), time.Hour); err != nil {
			t.Fatal(err)
		}
		n.wantUser(signer.Sign(tok), 0)
		if s := n.load(signer.Sign(tok)); !s.IsNew() {
			t.Errorf("record %.40q loaded", data)
		}
	}
}
