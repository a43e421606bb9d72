package token

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzUnsign(f *testing.F) {
	for _, v := range signerVectors {
		f.Add(v.signed)
	}
	f.Add("")
	f.Add(".")
	f.Add("a.b.c")
	s := NewSigner([]byte("CHANGE_ME"), DefaultSalt)
	f.Fuzz(func(t *testing.T, in string) {
		value, err := s.Unsign(in)
		if err != nil {
			if value != "" || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature)) {
				t.Fatalf("Unsign = %q, %v", value, err)
			}
			return
		}
		// Signatures are canonical: only Sign's own output verifies.
		if s.Sign(value) != in {
			t.Fatalf("Unsign accepted %q, which Sign does not produce", in)
		}
	})
}

func FuzzLoads(f *testing.F) {
	for _, v := range serializerVectors {
		f.Add(v.token)
		f.Add(v.token[:strings.LastIndex(v.token, ".")])
	}
	f.Add("")
	f.Add("..")
	s := NewTimedSerializer([]byte("CHANGE_ME"), "confirm-salt")
	signer := NewSigner([]byte("CHANGE_ME"), "confirm-salt")
	f.Fuzz(func(t *testing.T, in string) {
		// As given, and signed, so that the fuzzer also reaches the
		// timestamp and payload decoding behind the signature check.
		for _, tok := range []string{in, signer.Sign(in)} {
			var v any
			_, err := s.Loads(tok, time.Hour, signedAt, &v)
			if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrExpired) {
				t.Fatalf("Loads = %v", err)
			}
		}
	})
}
