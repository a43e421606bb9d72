package session

import "time"

// PasswordTime returns when the user last proved the password in this
// session: the login, or a later Reauthenticated (zero when anonymous).
// A record stored before Reauthenticated existed has only the login time.
func (s *Session) PasswordTime() time.Time {
	return unix(max(s.rec.AuthTime, s.rec.Reauth))
}

// Reauthenticated records that the user proved the password again now (a
// password change, or Flask-Security's verify step) and opens a grace
// period of that length, within which Fresh holds whatever within is. An
// anonymous session is left alone.
func (s *Session) Reauthenticated(grace time.Duration) {
	if s.rec.UserID == 0 {
		return
	}
	now := s.m.now()
	s.rec.Reauth = now.Unix()
	s.rec.FreshUntil = 0
	if grace > 0 {
		s.rec.FreshUntil = now.Add(grace).Unix()
	}
	s.modified = true
}

// Fresh reports whether the user proved the password recently enough for a
// sensitive action, as Flask-Security's check_and_update_authn_fresh
// decides (SECURITY_FRESHNESS, SECURITY_FRESHNESS_GRACE_PERIOD):
//
//   - within < 0: always fresh (the check is off);
//   - within the grace period: fresh, and the grace period restarts now;
//   - within == 0: not fresh (only a grace period lets the action through);
//   - else fresh when the password was proved less than within ago (or at
//     most within ahead of this clock, for nodes whose clocks disagree),
//     and a grace period starts now.
//
// An anonymous session is never fresh. A check that passes changes the
// session: Save it.
func (s *Session) Fresh(within, grace time.Duration) bool {
	if within < 0 {
		return true
	}
	if s.rec.UserID == 0 {
		return false
	}
	now := s.m.now()
	if s.rec.FreshUntil != 0 && now.Unix() < s.rec.FreshUntil {
		s.startGrace(now, grace)
		return true
	}
	if within == 0 {
		return false
	}
	age := now.Sub(s.PasswordTime())
	if age >= within || age <= -within {
		return false
	}
	s.startGrace(now, grace)
	return true
}

func (s *Session) startGrace(now time.Time, grace time.Duration) {
	until := int64(0)
	if grace > 0 {
		until = now.Add(grace).Unix()
	}
	if until != s.rec.FreshUntil {
		s.rec.FreshUntil = until
		s.modified = true
	}
}
