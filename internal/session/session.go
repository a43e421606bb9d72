// Package session provides server-side sessions: the Manager that reads and
// writes the session cookie, rotates and destroys sessions and revokes them
// (one session, or every session of a user on every node at once), and the
// Store interface its backends implement (memstore in process, redisstore
// on Redis; sessiontest is the contract both pass).
//
// The cookie carries a token of 128 random bits and its creation time,
// "<32 hex>_<hex unix seconds>", signed as itsdangerous' Signer signs it (the
// format of Flask-KVSession's cookies, so Invenio's cookies parse too). The
// store, the database and the logs only ever see the id derived from the
// token by a one-way hash (DeriveID), in the same "hex_hex" shape as
// Invenio's sid_s. Records are JSON. The absolute lifetime (from the token's
// creation) and the idle timeout are enforced on the server.
//
// It imports the standard library and internal/token only; its backends
// import it.
package session

import (
	"maps"
	"time"
)

// Session is one visitor's session as loaded by Manager.Load. Changes are
// kept by Manager.Save. A Session is used by one request at a time: it is
// not safe for concurrent use.
type Session struct {
	m     *Manager
	tok   string // the cookie's token; "" until stored, and after a renewal
	id    string // DeriveID(tok); "" until stored
	oldID string // id to delete at the next Save (after a renewal)
	rec   record

	modified bool // something must be stored and the cookie sent
	touched  bool // only LastSeen must be stored
	loaded   bool // the record came from (or went to) the store
	fresh    bool // tok is new and its record not yet stored
}

func newSession(m *Manager) *Session {
	return &Session{m: m}
}

// ID returns the derived id the session is stored under, "" until it is
// stored. It is what the activity table, the API and the CLI use, and it is
// safe to log; the token is not, and is never exposed.
func (s *Session) ID() string { return s.id }

// IsNew reports whether the session is not in the store yet: a first visit,
// or a cookie that was invalid, expired or revoked, until Save stores it.
func (s *Session) IsNew() bool { return !s.loaded }

// UserID returns the logged-in user's id, 0 for an anonymous session.
func (s *Session) UserID() int64 { return s.rec.UserID }

// Created returns when the session's token was made (zero until stored).
// The absolute lifetime counts from it.
func (s *Session) Created() time.Time { return unix(s.rec.Created) }

// SeenDue reports whether this request will record a new LastSeen at Save
// (at most once per ActivityInterval): the moment to refresh anything else
// that tracks activity, such as the session-activity row.
func (s *Session) SeenDue() bool { return s.touched && s.rec.UserID != 0 }

// LastSeen returns the last recorded activity, updated at most once per
// Options.ActivityInterval (zero until stored).
func (s *Session) LastSeen() time.Time { return unix(s.rec.LastSeen) }

// AuthTime returns when the user logged in (zero when anonymous).
func (s *Session) AuthTime() time.Time { return unix(s.rec.AuthTime) }

// Generation returns the user generation the session was logged in under
// (see UserRevoker).
func (s *Session) Generation() int64 { return s.rec.Generation }

// CSRFToken returns the session's CSRF token, "" when none was set.
func (s *Session) CSRFToken() string { return s.rec.CSRF }

// SetCSRFToken sets the session's CSRF token.
func (s *Session) SetCSRFToken(v string) {
	if s.rec.CSRF != v {
		s.rec.CSRF = v
		s.modified = true
	}
}

// Get returns the value stored under key, "" when there is none.
func (s *Session) Get(key string) string { return s.rec.Values[key] }

// Set stores a value under key.
func (s *Session) Set(key, value string) {
	if v, ok := s.rec.Values[key]; ok && v == value {
		return
	}
	if s.rec.Values == nil {
		s.rec.Values = make(map[string]string)
	}
	s.rec.Values[key] = value
	s.modified = true
}

// Delete removes the value under key.
func (s *Session) Delete(key string) {
	if _, ok := s.rec.Values[key]; ok {
		delete(s.rec.Values, key)
		s.modified = true
	}
}

// Values returns a copy of the stored values.
func (s *Session) Values() map[string]string { return maps.Clone(s.rec.Values) }

// AddFlash queues a message for the next page.
func (s *Session) AddFlash(category, message string) {
	s.rec.Flashes = append(s.rec.Flashes, Flash{Category: category, Message: message})
	if n := len(s.rec.Flashes); n > MaxFlashes {
		// A client that never shows a page (a script posting forms and not
		// following the redirects) must not grow its stored session.
		s.rec.Flashes = append(s.rec.Flashes[:0:0], s.rec.Flashes[n-MaxFlashes:]...)
	}
	s.modified = true
}

// MaxFlashes is how many messages a session keeps for its next page: the
// newest.
const MaxFlashes = 10

// PopFlashes returns the queued messages and removes them.
func (s *Session) PopFlashes() []Flash {
	f := s.rec.Flashes
	if len(f) > 0 {
		s.rec.Flashes = nil
		s.modified = true
	}
	return f
}

// Login makes the session the user's: it records the user and the time,
// and renews the token (a new id at login defeats session fixation; the
// old id is deleted at the next Save, which also records the user's
// current generation). A userID below 1 logs out instead.
func (s *Session) Login(userID int64) {
	if userID < 1 {
		s.Logout()
		return
	}
	s.rec.UserID = userID
	s.rec.AuthTime = s.m.now().Unix()
	s.rec.Reauth, s.rec.FreshUntil = 0, 0
	s.rec.Generation = 0
	s.m.Renew(s)
}

// Logout makes the session anonymous and renews its token, keeping the other
// data (flashes, CSRF token, values) as Invenio does.
func (s *Session) Logout() {
	s.rec.UserID, s.rec.AuthTime, s.rec.Generation = 0, 0, 0
	s.rec.Reauth, s.rec.FreshUntil = 0, 0
	s.m.Renew(s)
}
