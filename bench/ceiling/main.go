// Command ceiling is the baseline of `make bench` for an authenticated
// request: the least a Go net/http service on this machine can do to answer
// "who am I" for a signed session cookie. GET /api/me reads the "session"
// cookie, checks its HMAC-SHA256 signature, looks the session up in an
// in-memory map (read lock) and answers the user as JSON, the same fields as
// accounts' /api/me. No store round trip, no database, no middleware: what
// accounts measures against it is the cost of everything else.
//
// The cookie is "<session id>.<base64url HMAC-SHA256(secret, session id)>",
// with session ids "s0" to "s<N-1>" (-sessions N).
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"
)

type user struct {
	ConfirmedAt *string  `json:"confirmed_at"`
	Email       string   `json:"email"`
	ID          int      `json:"id"`
	LastLoginAt string   `json:"last_login_at"`
	Roles       []string `json:"roles"`
}

type sessions struct {
	mu     sync.RWMutex
	byID   map[string]*user
	secret []byte
}

func (s *sessions) valid(cookie string) (string, bool) {
	id, sig, ok := strings.Cut(cookie, ".")
	if !ok {
		return "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return "", false
	}
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(id))
	return id, hmac.Equal(got, mac.Sum(nil))
}

func (s *sessions) me(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("session")
	if err != nil {
		http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	id, ok := s.valid(c.Value)
	if !ok {
		http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	s.mu.RLock()
	u := s.byID[id]
	s.mu.RUnlock()
	if u == nil {
		http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	body, err := json.Marshal(u)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5990", "listen address")
	secret := flag.String("secret", "", "HMAC key of the cookies (required)")
	n := flag.Int("sessions", 100_000, "sessions in the map")
	flag.Parse()
	if *secret == "" {
		log.Fatal("ceiling: -secret is required")
	}
	s := &sessions{byID: make(map[string]*user, *n), secret: []byte(*secret)}
	login := time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00")
	for i := range *n {
		uid := i%1000 + 1
		s.byID[fmt.Sprintf("s%d", i)] = &user{Email: fmt.Sprintf("user%d@example.org", uid), ID: uid,
			LastLoginAt: login, Roles: []string{}}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/me", s.me)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
