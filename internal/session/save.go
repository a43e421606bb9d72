package session

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Save stores the session if it changed and sets the cookie when its value
// or content changed (Expires = creation + Lifetime). An unchanged session
// costs nothing; a session whose only change is its activity time is
// written at most once per ActivityInterval, without a cookie. A session
// left empty (anonymous, no CSRF token, flashes or values) is not stored:
// if it was, its record is deleted and the cookie expired. Call Save before
// the response's header is written. It returns the store's error, and then
// sets no cookie.
func (m *Manager) Save(ctx context.Context, w http.ResponseWriter, s *Session) error {
	if !s.modified && !s.touched {
		return nil
	}
	if s.rec.empty() {
		if s.id == "" && s.oldID == "" { // never stored: nothing to undo
			s.modified, s.touched = false, false
			return nil
		}
		return m.Destroy(ctx, w, s)
	}
	now := m.now()
	sendCookie := s.modified
	if s.tok == "" {
		if err := m.newToken(ctx, s, now); err != nil {
			return err
		}
	}
	s.rec.LastSeen = max(now.Unix(), s.rec.Created)
	ttl := m.ttl(&s.rec, now)
	if ttl <= 0 { // it expired since Load: never extend it
		return m.Destroy(ctx, w, s)
	}
	data, err := encodeRecord(&s.rec)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if stored, err := m.put(ctx, s, data, ttl); err != nil {
		return fmt.Errorf("save session: %w", err)
	} else if !stored { // revoked since Load: do not bring it back
		return m.Destroy(ctx, w, s)
	}
	s.modified, s.touched, s.loaded = false, false, true
	if sendCookie {
		http.SetCookie(w, m.cookie(s.tok, time.Unix(s.rec.Created, 0).Add(m.opts.Lifetime)))
	}
	return nil
}

// newToken gives s a new token: it deletes the record of the token it
// replaces (after Renew), and records the user's generation.
func (m *Manager) newToken(ctx context.Context, s *Session, now time.Time) error {
	if s.oldID != "" {
		if err := m.store.Delete(ctx, s.oldID); err != nil {
			return fmt.Errorf("save session: delete renewed: %w", err)
		}
		s.oldID = ""
	}
	if s.rec.UserID != 0 && m.revoker != nil {
		gen, err := m.revoker.HoldUserGeneration(ctx, s.rec.UserID, m.generationTTL())
		if err != nil {
			return fmt.Errorf("save session: user generation: %w", err)
		}
		s.rec.Generation = gen
	}
	s.tok = NewToken(now)
	s.id, _ = DeriveID(s.tok)
	s.rec.Created = now.Unix()
	s.fresh = true
	return nil
}

// put writes the record: a fresh token with Put, an existing one only if its
// record is still there (when the store can), so that a revocation racing
// with this request holds.
func (m *Manager) put(ctx context.Context, s *Session, data []byte, ttl time.Duration) (bool, error) {
	if s.fresh || m.replacer == nil {
		err := m.store.Put(ctx, s.id, data, ttl)
		s.fresh = err != nil
		return err == nil, err
	}
	return m.replacer.Replace(ctx, s.id, data, ttl)
}

// ttl returns how long the record must be kept from now: until the end of
// its absolute lifetime, or of its idle timeout if that comes first.
func (m *Manager) ttl(rec *record, now time.Time) time.Duration {
	end := time.Unix(rec.Created, 0).Add(m.opts.Lifetime)
	if m.opts.IdleTimeout > 0 {
		if idleEnd := time.Unix(rec.LastSeen, 0).Add(m.opts.IdleTimeout); idleEnd.Before(end) {
			end = idleEnd
		}
	}
	return end.Sub(now)
}

// Renew gives the session a new token at the next Save, keeping its data;
// the old token's record is deleted then. Use it whenever the privilege
// changes: login and logout (Session.Login and Logout call it) and password
// change.
func (m *Manager) Renew(s *Session) {
	if s.id != "" {
		s.oldID = s.id
	}
	s.tok, s.id, s.fresh = "", "", false
	s.modified = true
}

// Destroy deletes the session's record, expires the cookie and empties s
// (an anonymous session that a later Save stores under a new token only if
// something is set). It returns the store's error.
func (m *Manager) Destroy(ctx context.Context, w http.ResponseWriter, s *Session) error {
	for _, id := range []string{s.id, s.oldID} {
		if id == "" {
			continue
		}
		if err := m.store.Delete(ctx, id); err != nil {
			return fmt.Errorf("destroy session: %w", err)
		}
	}
	*s = Session{m: m}
	http.SetCookie(w, m.cookie("", time.Unix(1, 0)))
	return nil
}

// cookie returns the session cookie carrying tok ("" to expire it).
func (m *Manager) cookie(tok string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     m.opts.CookieName,
		Path:     m.opts.Path,
		Domain:   m.opts.Domain,
		Expires:  expires,
		Secure:   m.opts.Secure,
		HttpOnly: m.httpOnly,
		SameSite: m.opts.SameSite,
	}
	if tok == "" {
		c.MaxAge = -1
	} else {
		c.Value = m.signer.Sign(tok)
	}
	return c
}
