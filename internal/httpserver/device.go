package httpserver

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/ratelimit"
)

// Device cookies (OWASP's "Slow Down Online Guessing Attacks with Device
// Cookies"): a browser that has logged in as a user keeps a cookie proving
// it, and its next login attempts on that account skip the per-account limit
// (ACCOUNTS_LOGIN_RATELIMIT), counting against a limit of that device
// instead. Whoever floods an account from elsewhere spends the account's
// budget, not the owner's, so the owner is never locked out of the browsers
// they use. Invenio has no such cookie (a deviation listed in
// docs/security.md).
//
// The value is nonce "." signature: 16 random bytes, and the itsdangerous
// signature (SECRET_KEY, salt deviceSalt) of the nonce, the user id and the
// user's password hash, none of which the cookie shows. It holds for that
// user only, and only until the password hash changes (a change, a reset, or
// the rehash of a deprecated scheme at login).
const (
	deviceCookie = "accounts_device" // "__Host-accounts_device" where it can (deviceCookieName)
	deviceSalt   = "accounts-device-cookie"
	deviceMaxAge = 365 * 24 * time.Hour
	// deviceLen is the length of a value: base64url of 16 bytes, ".", and of
	// a 20-byte HMAC-SHA1.
	deviceLen = 22 + 1 + 27
)

// deviceMAC returns the signature of a nonce for a user.
func (s *Server) deviceMAC(nonce string, u *accounts.User) string {
	payload := nonce + "\x00" + strconv.FormatInt(u.ID, 10) + "\x00" + deref(u.Password)
	return s.device.Sign(payload)[len(payload)+1:]
}

// deviceCookieName is the device cookie's name: with the __Host- prefix
// (ASVS 3.3.3: no subdomain can set or overwrite it) when the cookies are
// Secure, on Path / and without a Domain, as such a cookie must be.
func (s *Server) deviceCookieName() string {
	if hostPrefixAllowed(s.set) {
		return "__Host-" + deviceCookie
	}
	return deviceCookie
}

// hostPrefixAllowed reports whether the cookies' attributes allow a
// __Host- name.
func hostPrefixAllowed(set Settings) bool {
	return set.SecureCookies && set.CookiePath == "/" && set.CookieDomain == ""
}

// setDeviceCookie gives the browser a device cookie for u, after a password
// proved it (login, verify), when a per-account login limit is on (the
// cookie serves nothing else). Its attributes are the session cookie's, but
// HttpOnly and SameSite=Strict always: no script and no other site needs it.
func (s *Server) setDeviceCookie(w http.ResponseWriter, u *accounts.User) {
	if len(s.set.LoginAccountLimit.Limits) == 0 && len(s.set.LoginFailureLimit.Limits) == 0 {
		return
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	n := base64.RawURLEncoding.EncodeToString(nonce)
	http.SetCookie(w, &http.Cookie{
		Name: s.deviceCookieName(), Value: n + "." + s.deviceMAC(n, u), Path: s.set.CookiePath, Domain: s.set.CookieDomain,
		MaxAge: int(deviceMaxAge.Seconds()), Secure: s.set.SecureCookies, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// parseDevice splits a device cookie's value into its nonce and signature;
// ok is false for anything Sign could not have made.
func parseDevice(v string) (nonce, mac string, ok bool) {
	if len(v) != deviceLen || v[22] != '.' {
		return "", "", false
	}
	nonce, mac = v[:22], v[23:]
	for _, part := range []string{nonce, mac} {
		// The decoder skips CR and LF: only the alphabet may be there.
		if strings.ContainsFunc(part, func(r rune) bool { return !isBase64URL(r) }) {
			return "", "", false
		}
		if _, err := base64.RawURLEncoding.Strict().DecodeString(part); err != nil {
			return "", "", false
		}
	}
	return nonce, mac, true
}

// isBase64URL reports whether r is in base64url's alphabet.
func isBase64URL(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_'
}

// deviceOf returns the nonce of the request's device cookie when it holds
// for the account of email (known: that account when the caller has it,
// else it is looked up, only for a well-formed cookie). A missing, malformed,
// forged or foreign cookie, or one older than the password, gives "".
func (s *Server) deviceOf(r *http.Request, email string, known *accounts.User) string {
	st, ok := r.Context().Value(stateKey{}).(*state)
	if !ok {
		return s.lookupDevice(r, email, known)
	}
	d := &st.device
	if d.done && d.email == email {
		return d.nonce
	}
	d.email, d.nonce, d.done = email, s.lookupDevice(r, email, known), true
	return d.nonce
}

// lookupDevice is deviceOf without the memory.
func (s *Server) lookupDevice(r *http.Request, email string, known *accounts.User) string {
	c, err := r.Cookie(s.deviceCookieName())
	if err != nil {
		return ""
	}
	nonce, mac, ok := parseDevice(c.Value)
	if !ok {
		return ""
	}
	u := known
	if u == nil {
		email = strings.TrimSpace(email)
		if u, err = s.opts.Service.FindUser(r.Context(), accounts.UserRef(email)); err != nil {
			// Unknown (or a failing store): no exemption, the account limit holds.
			return ""
		}
		if !strings.EqualFold(u.Email, email) { // a numeric "email" is looked up as an id
			return ""
		}
	}
	if !hmac.Equal([]byte(mac), []byte(s.deviceMAC(nonce, u))) {
		return ""
	}
	return nonce
}

// checkLoginAccount counts a login attempt against the account's limit, or,
// when the request shows a device cookie of that account, against the
// device's limit (the same limits, keyed by the device's nonce).
func (s *Server) checkLoginAccount(r *http.Request, email string, known *accounts.User) *limit {
	al := s.set.LoginAccountLimit
	if s.opts.Limiter == nil || len(al.Limits) == 0 || email == "" {
		return nil
	}
	if nonce := s.deviceOf(r, email, known); nonce != "" {
		return s.check(r, ratelimit.DeviceKey(al.Prefix, nonce), al.Limits, al.Message)
	}
	return s.checkAccount(r, al, email)
}
