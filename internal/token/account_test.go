package token

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"
)

func TestAccountTokensFromCompatJSON(t *testing.T) {
	var v struct {
		Tokens []struct {
			SecretKey  string `json:"secret_key"`
			Salt       string `json:"salt"`
			HashedData string `json:"hashed_data"`
			Token      string `json:"token"`
		} `json:"tokens"`
	}
	b, err := os.ReadFile("../../testdata/compat.json")
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil || len(v.Tokens) == 0 {
		t.Fatalf("compat.json: %v", err)
	}
	for _, tc := range v.Tokens {
		c, err := NewAccountTokens([]byte(tc.SecretKey), tc.Salt).Read(tc.Token, 0, time.Now())
		if err != nil || c.UserID < 1 || !c.Matches(tc.HashedData) || c.Matches(tc.HashedData+"x") {
			t.Errorf("%s token: claim %+v, err %v", tc.Salt, c, err)
		}
		other := ConfirmSalt
		if tc.Salt == ConfirmSalt {
			other = ResetSalt
		}
		if _, err := NewAccountTokens([]byte(tc.SecretKey), other).Read(tc.Token, 0, time.Now()); !errors.Is(err, ErrBadSignature) {
			t.Errorf("a %s token read as %s: %v", tc.Salt, other, err)
		}
	}
}

func TestAccountTokensRoundTripAndExpiry(t *testing.T) {
	at := NewAccountTokens([]byte("secret-key"), ResetSalt)
	now := time.Now()
	tok, err := at.Make(42, "$pbkdf2-sha512$25000$abc$def", now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := at.Read(tok, 30*time.Minute, now.Add(29*time.Minute))
	if err != nil || c.UserID != 42 || !c.Matches("$pbkdf2-sha512$25000$abc$def") || c.Matches("$pbkdf2-sha512$25000$abc$xyz") {
		t.Errorf("fresh token: %+v %v", c, err)
	}
	c, err = at.Read(tok, 30*time.Minute, now.Add(31*time.Minute))
	if !errors.Is(err, ErrExpired) || c.UserID != 42 {
		t.Errorf("expired token: %+v %v; want the claim with ErrExpired", c, err)
	}
	for _, bad := range []string{"", "x", tok[:len(tok)-2], tok + "x", "W10.awTNhQ.x"} {
		if _, err := at.Read(bad, 0, now); err == nil {
			t.Errorf("Read(%q) accepted", bad)
		}
	}
}

func FuzzAccountTokenRead(f *testing.F) {
	at := NewAccountTokens([]byte("k"), ConfirmSalt)
	tok, _ := at.Make(1, "a@b.c", time.Now())
	f.Add(tok)
	f.Add("WyI5NDI3MzEiXQ.awTNhA.x")
	f.Fuzz(func(t *testing.T, s string) {
		at.Read(s, time.Hour, time.Now())
	})
}
