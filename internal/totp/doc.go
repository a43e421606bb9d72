// Package totp provides the primitives of two-factor authentication with
// time-based one-time passwords (RFC 6238) and recovery codes.
//
// It makes and checks TOTP codes (HMAC-SHA1, 6 digits, 30-second steps,
// one step of tolerance either side), writes the otpauth:// key URI that
// authenticator apps read and renders it as an inline SVG QR code, makes,
// normalizes and hashes single-use recovery codes, and seals TOTP secrets
// for storage with AES-256-GCM under a key derived from the app's
// SECRET_KEY.
//
// Replay protection is the caller's: [Match] returns the time step a code
// matched, and the caller refuses a step not greater than the last one it
// accepted for the user. Rate limiting is the caller's too.
//
// Every parser of outside input ([ParseCode], [NormalizeRecoveryCode],
// [Sealer.Open], [Match]) bounds the length it reads, accepts ASCII only
// and never panics. Nothing here keeps state between calls except a
// [Sealer]'s key, and every function is safe for concurrent use.
//
// The package imports the standard library and github.com/boombuler/barcode
// (the QR matrix).
package totp
