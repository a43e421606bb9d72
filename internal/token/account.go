package token

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/invenio-go/accounts/internal/password"
)

// Flask-Security's serializer salts (SECURITY_CONFIRM_SALT,
// SECURITY_RESET_SALT).
const (
	ConfirmSalt = "confirm-salt"
	ResetSalt   = "reset-salt"
)

// hashRounds is the sha256_crypt cost of the hashes we put into tokens:
// the scheme's standard 5000 (passlib, and so Invenio, verifies any count).
// The hash only binds the token to an email or a password hash; the token
// itself is signed, so a higher cost would buy nothing but a slower request.
const hashRounds = 5000

// AccountTokens makes and reads Flask-Security's confirmation and reset
// tokens: URLSafeTimedSerializer(SECRET_KEY, salt) over
// [str(user id), sha256_crypt(data)], where data is the email (confirm) or
// the current password hash (reset), so a reset token stops working once the
// password changes and a confirmation token once the email changes.
type AccountTokens struct {
	s *TimedSerializer
}

// NewAccountTokens returns tokens signed with secret under salt.
func NewAccountTokens(secret []byte, salt string) *AccountTokens {
	return &AccountTokens{s: NewTimedSerializer(secret, salt)}
}

// Make returns a token for the user bound to data.
func (a *AccountTokens) Make(userID int64, data string, now time.Time) (string, error) {
	salt := make([]byte, 12)
	rand.Read(salt)
	hash := password.SHA256Crypt(data, hashRounds, ab64(salt))
	return a.s.DumpsAt([]string{strconv.FormatInt(userID, 10), hash}, now)
}

// ab64 encodes bytes in the crypt alphabet passlib uses for salts.
func ab64(b []byte) string {
	const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(out)
}

// Claim is what a token says: the user and the hash of the data it was
// bound to (check it with Matches).
type Claim struct {
	UserID int64
	hash   string
}

// Matches reports whether the token was made for data (sha256_crypt, or the
// deprecated hex_md5 of older Flask-Security versions).
func (c Claim) Matches(data string) bool {
	if password.VerifySHA256Crypt(data, c.hash) {
		return true
	}
	return len(c.hash) == 32 && password.HexMD5(data) == c.hash
}

// Read verifies a token. An expired token (older than maxAge) returns its
// claim with ErrExpired, as Flask-Security needs the user of an expired
// token to send new instructions. Other errors: ErrBadSignature,
// ErrMalformed (also for a payload that is not [id, hash]).
func (a *AccountTokens) Read(tok string, maxAge time.Duration, now time.Time) (Claim, error) {
	var payload []any
	_, err := a.s.Loads(tok, maxAge, now, &payload)
	if err != nil && !errors.Is(err, ErrExpired) {
		return Claim{}, err
	}
	c, perr := claimOf(payload)
	if perr != nil {
		return Claim{}, perr
	}
	return c, err
}

func claimOf(payload []any) (Claim, error) {
	if len(payload) != 2 {
		return Claim{}, fmt.Errorf("%w: want [user id, hash]", ErrMalformed)
	}
	hash, ok := payload[1].(string)
	if !ok {
		return Claim{}, fmt.Errorf("%w: hash is not a string", ErrMalformed)
	}
	var id int64
	switch v := payload[0].(type) {
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return Claim{}, fmt.Errorf("%w: user id %q", ErrMalformed, v)
		}
		id = n
	case float64:
		id = int64(v)
	default:
		return Claim{}, fmt.Errorf("%w: user id", ErrMalformed)
	}
	if id < 1 {
		return Claim{}, fmt.Errorf("%w: user id", ErrMalformed)
	}
	return Claim{UserID: id, hash: hash}, nil
}
