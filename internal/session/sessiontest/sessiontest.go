// Package sessiontest is the contract every session.Store passes: Run it
// from each backend's tests. It also checks session.UserRevoker and
// session.Replacer when the store implements them.
//
// It imports the standard library and internal/session; only tests
// import it.
package sessiontest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
)

// shortTTL is the TTL of the expiry tests: real time, so keep it short and
// the tests few (they run in parallel).
const shortTTL = 300 * time.Millisecond

// Run runs the contract against stores made by newStore. Each call of
// newStore must return an empty store of its own (its own key prefix) and
// clean it up with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s session.Store)
	}{
		{"GetMissing", testGetMissing},
		{"PutGet", testPutGet},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"Isolation", testIsolation},
		{"BadTTL", testBadTTL},
		{"Expiry", testExpiry},
		{"BigValue", testBigValue},
		{"OddKeys", testOddKeys},
		{"Concurrent", testConcurrent},
		{"Replace", testReplace},
		{"Generation", testGeneration},
		{"GenerationExpiry", testGenerationExpiry},
		{"GenerationConcurrent", testGenerationConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, newStore(t))
		})
	}
}

// mustGet returns the record under id, failing the test on any error.
func mustGet(t *testing.T, s session.Store, id string) []byte {
	t.Helper()
	got, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%q) = %v", id, err)
	}
	return got
}

func mustPut(t *testing.T, s session.Store, id string, data []byte, ttl time.Duration) {
	t.Helper()
	if err := s.Put(context.Background(), id, data, ttl); err != nil {
		t.Fatalf("Put(%q) = %v", id, err)
	}
}

func wantNotFound(t *testing.T, s session.Store, id string) {
	t.Helper()
	if got, err := s.Get(context.Background(), id); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", id, got, err)
	}
}

func testGetMissing(t *testing.T, s session.Store) {
	wantNotFound(t, s, "0123456789abcdef0123456789abcdef_6553f100")
	wantNotFound(t, s, "")
}

func testPutGet(t *testing.T, s session.Store) {
	mustPut(t, s, "a_1", []byte(`{"user_id":1}`), time.Hour)
	mustPut(t, s, "empty_1", []byte{}, time.Hour)
	if got := mustGet(t, s, "a_1"); string(got) != `{"user_id":1}` {
		t.Errorf("Get = %q", got)
	}
	if got := mustGet(t, s, "empty_1"); len(got) != 0 {
		t.Errorf("Get of an empty value = %q", got)
	}
	wantNotFound(t, s, "a_2")
}

func testOverwrite(t *testing.T, s session.Store) {
	mustPut(t, s, "k", []byte("one"), time.Hour)
	mustPut(t, s, "k", []byte("two, longer"), time.Hour)
	if got := mustGet(t, s, "k"); string(got) != "two, longer" {
		t.Errorf("Get after overwrite = %q", got)
	}
}

func testDelete(t *testing.T, s session.Store) {
	ctx := context.Background()
	mustPut(t, s, "k", []byte("v"), time.Hour)
	mustPut(t, s, "other", []byte("w"), time.Hour)
	for range 2 { // idempotent
		if err := s.Delete(ctx, "k"); err != nil {
			t.Fatalf("Delete = %v", err)
		}
		wantNotFound(t, s, "k")
	}
	if err := s.Delete(ctx, "never-stored"); err != nil {
		t.Errorf("Delete of an absent id = %v", err)
	}
	if got := mustGet(t, s, "other"); string(got) != "w" {
		t.Errorf("Delete removed another id: %q", got)
	}
}

func testIsolation(t *testing.T, s session.Store) {
	data := []byte("original")
	mustPut(t, s, "k", data, time.Hour)
	copy(data, "XXXXXXXX")
	got := mustGet(t, s, "k")
	if string(got) != "original" {
		t.Fatalf("the store kept the caller's slice: %q", got)
	}
	copy(got, "YYYYYYYY")
	if again := mustGet(t, s, "k"); string(again) != "original" {
		t.Errorf("the store returned its own slice: %q", again)
	}
}

func testBadTTL(t *testing.T, s session.Store) {
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Put(context.Background(), "k", []byte("v"), ttl); !errors.Is(err, session.ErrBadTTL) {
			t.Errorf("Put with ttl %v = %v, want ErrBadTTL", ttl, err)
		}
	}
	wantNotFound(t, s, "k")
}

func testExpiry(t *testing.T, s session.Store) {
	mustPut(t, s, "short", []byte("v"), shortTTL)
	mustPut(t, s, "long", []byte("v"), time.Hour)
	mustPut(t, s, "extended", []byte("v"), shortTTL)
	mustPut(t, s, "extended", []byte("v2"), time.Hour) // an overwrite sets a new TTL
	mustGet(t, s, "short")
	waitGone(t, s, "short")
	if got := mustGet(t, s, "extended"); string(got) != "v2" {
		t.Errorf("Get(extended) = %q", got)
	}
	mustGet(t, s, "long")
}

// waitGone waits until id has expired, failing after a generous deadline.
func waitGone(t *testing.T, s session.Store, id string) {
	t.Helper()
	deadline := time.Now().Add(shortTTL + 3*time.Second)
	time.Sleep(shortTTL)
	for {
		_, err := s.Get(context.Background(), id)
		if errors.Is(err, session.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatalf("Get(%q) = %v", id, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q has not expired", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func testBigValue(t *testing.T, s session.Store) {
	big := make([]byte, 1<<20)
	rand.Read(big)
	mustPut(t, s, "big", big, time.Hour)
	if got := mustGet(t, s, "big"); !bytes.Equal(got, big) {
		t.Errorf("Get returned %d bytes, not the 1 MiB stored", len(got))
	}
}

func testOddKeys(t *testing.T, s session.Store) {
	keys := []string{
		"plain", "with space", "nul\x00byte", "new\nline", "ünïcødé", "\xff\xfe",
		"*", "?[]", "{hash}tag", "a:b:c", "%s%d", `"quoted"`, strings.Repeat("k", 1024),
	}
	for i, k := range keys {
		mustPut(t, s, k, []byte(fmt.Sprint(i)), time.Hour)
	}
	for i, k := range keys {
		if got := mustGet(t, s, k); string(got) != fmt.Sprint(i) {
			t.Errorf("Get(%q) = %q, want %d", k, got, i)
		}
	}
	wantNotFound(t, s, "nul")
	wantNotFound(t, s, "hash")
}

func testConcurrent(t *testing.T, s session.Store) {
	ctx := context.Background()
	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			own := fmt.Sprintf("own-%d", w)
			for i := range rounds {
				want := []byte(fmt.Sprintf("%d-%d", w, i))
				err := errors.Join(
					s.Put(ctx, own, want, time.Hour),
					s.Put(ctx, "shared", want, time.Hour),
					s.Delete(ctx, fmt.Sprintf("gone-%d", i)))
				got, gerr := s.Get(ctx, own)
				if err = errors.Join(err, gerr); err == nil && !bytes.Equal(got, want) {
					err = fmt.Errorf("Get(%s) = %q, want %q", own, got, want)
				}
				if _, err2 := s.Get(ctx, "shared"); err != nil || err2 != nil {
					errs <- errors.Join(err, err2)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testReplace(t *testing.T, s session.Store) {
	r, ok := s.(session.Replacer)
	if !ok {
		t.Skip("the store does not implement session.Replacer")
	}
	ctx := context.Background()
	if done, err := r.Replace(ctx, "k", []byte("v"), time.Hour); err != nil || done {
		t.Fatalf("Replace of an absent id = %v, %v; want false, nil", done, err)
	}
	wantNotFound(t, s, "k")
	mustPut(t, s, "k", []byte("v1"), time.Hour)
	if done, err := r.Replace(ctx, "k", []byte("v2"), time.Hour); err != nil || !done {
		t.Fatalf("Replace = %v, %v; want true, nil", done, err)
	}
	if got := mustGet(t, s, "k"); string(got) != "v2" {
		t.Errorf("Get after Replace = %q", got)
	}
	if _, err := r.Replace(ctx, "k", []byte("v3"), 0); !errors.Is(err, session.ErrBadTTL) {
		t.Errorf("Replace with ttl 0 = %v, want ErrBadTTL", err)
	}
	if err := s.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if done, err := r.Replace(ctx, "k", []byte("v4"), time.Hour); err != nil || done {
		t.Fatalf("Replace after Delete = %v, %v; want false, nil", done, err)
	}
	wantNotFound(t, s, "k")
}
