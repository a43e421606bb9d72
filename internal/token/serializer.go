package token

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Limits on what Loads accepts. Confirmation and reset tokens are about 150
// bytes; the limits only stop abuse (a huge token or a zlib bomb).
const (
	maxTokenLen   = 16 << 10
	maxPayloadLen = 64 << 10
)

// TimedSerializer is itsdangerous' URLSafeTimedSerializer(secret_key, salt):
// compact JSON, zlib-compressed when that is shorter, base64url without
// padding, a timestamp and a TimestampSigner signature. Flask-Security makes
// its confirmation ("confirm-salt") and reset ("reset-salt") tokens with it.
// It is safe for concurrent use.
//
// Tokens made by itsdangerous always verify here. Tokens made here verify in
// itsdangerous; they are byte-identical to its output when the payload is not
// compressed and holds only strings, integers, booleans, null, lists and
// objects (Go's zlib output differs from Python's, and floats print
// differently).
type TimedSerializer struct {
	signer *Signer
}

// NewTimedSerializer returns a serializer for the secret key and salt.
func NewTimedSerializer(secret []byte, salt string) *TimedSerializer {
	return &TimedSerializer{signer: NewSigner(secret, salt)}
}

// Dumps encodes v as JSON and signs it with the current time. The error is
// json.Marshal's, for values that cannot be encoded.
func (s *TimedSerializer) Dumps(v any) (string, error) {
	return s.DumpsAt(v, time.Now())
}

// DumpsAt is Dumps with the signing time given (whole seconds are kept).
func (s *TimedSerializer) DumpsAt(v any, now time.Time) (string, error) {
	js, err := marshalCompat(v)
	if err != nil {
		return "", fmt.Errorf("token: encode payload: %w", err)
	}
	payload := encodePayload(js)
	value := payload + sep + encodeTimestamp(now.Unix())
	return s.signer.Sign(value), nil
}

// Loads verifies a token made by Dumps (or by itsdangerous), decodes its
// JSON payload into v and returns the time it was signed.
//
// maxAge > 0 limits the age: a token older than maxAge, or signed in the
// future, gives ErrExpired together with the issue time and the payload
// decoded into v (as itsdangerous' SignatureExpired carries them: Flask-Security
// needs the user id of an expired token). maxAge == 0 checks no age.
// A wrong signature gives ErrBadSignature; anything not in the format, or a
// payload that does not decode into v, gives ErrMalformed.
func (s *TimedSerializer) Loads(tok string, maxAge time.Duration, now time.Time, v any) (time.Time, error) {
	if len(tok) > maxTokenLen {
		return time.Time{}, ErrMalformed
	}
	value, err := s.signer.Unsign(tok)
	if err != nil {
		return time.Time{}, err
	}
	i := strings.LastIndex(value, sep)
	if i < 0 {
		return time.Time{}, ErrMalformed
	}
	ts, ok := decodeTimestamp(value[i+len(sep):])
	if !ok {
		return time.Time{}, ErrMalformed
	}
	issued := time.Unix(ts, 0)
	js, err := decodePayload(value[:i])
	if err != nil {
		return issued, err
	}
	if err := json.Unmarshal(js, v); err != nil {
		return issued, ErrMalformed // the error's detail would quote the payload
	}
	if maxAge > 0 && tooOld(now.Unix()-ts, maxAge) {
		return issued, ErrExpired
	}
	return issued, nil
}

// tooOld reports whether an age in whole seconds exceeds maxAge, counting a
// negative age (a timestamp in the future) as expired as itsdangerous does.
func tooOld(age int64, maxAge time.Duration) bool {
	if age < 0 {
		return true
	}
	if age > math.MaxInt64/int64(time.Second) {
		return true
	}
	return time.Duration(age)*time.Second > maxAge
}

// encodePayload compresses js when that saves more than one byte (the
// leading "." costs one), exactly as itsdangerous decides.
func encodePayload(js []byte) string {
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, 6) // Python's zlib.compress default
	w.Write(js)
	w.Close()
	if z.Len() < len(js)-1 {
		return "." + base64.RawURLEncoding.EncodeToString(z.Bytes())
	}
	return base64.RawURLEncoding.EncodeToString(js)
}

// decodePayload reverses encodePayload. Like Python's urlsafe_b64decode it
// tolerates non-canonical trailing bits; the signature was checked before.
func decodePayload(p string) ([]byte, error) {
	compressed := strings.HasPrefix(p, ".")
	if compressed {
		p = p[1:]
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil, ErrMalformed
	}
	if !compressed {
		return raw, nil
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, ErrMalformed
	}
	defer r.Close()
	js, err := io.ReadAll(io.LimitReader(r, maxPayloadLen+1))
	if err != nil || len(js) > maxPayloadLen {
		return nil, ErrMalformed
	}
	return js, nil
}

// encodeTimestamp is itsdangerous' base64_encode(int_to_bytes(ts)): the
// big-endian bytes of ts without leading zero bytes.
func encodeTimestamp(ts int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(ts))
	i := 0
	for i < len(b) && b[i] == 0 {
		i++
	}
	return base64.RawURLEncoding.EncodeToString(b[i:])
}

// decodeTimestamp reverses encodeTimestamp; empty bytes are 0 as in Python.
func decodeTimestamp(s string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) > 8 {
		return 0, false
	}
	var n uint64
	for _, c := range raw {
		n = n<<8 | uint64(c)
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}
