package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/testenv"
	"github.com/invenio-go/accounts/internal/totp"
)

// twoFactorService returns a service with 3 recovery codes and the clock,
// which the test moves.
func twoFactorService(t *testing.T, db *sqlstore.DB) (*accounts.Service, *testenv.Clock) {
	t.Helper()
	clock := testenv.NewClock(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	sealer, err := totp.NewSealer([]byte("a secret key for the two-factor tests"))
	if err != nil {
		t.Fatal(err)
	}
	return newService(t, db, accounts.Options{Sealer: sealer, RecoveryCodes: 3, Now: clock.Now}), clock
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.Code(secret, totp.Step(at))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enroll sets up an authenticator for u and returns its secret and the
// recovery codes.
func enroll(t *testing.T, svc *accounts.Service, u *accounts.User, now time.Time) (string, []string) {
	t.Helper()
	setup, err := svc.NewTOTPSetup(u, "Test site")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := svc.EnableTOTP(context.Background(), u, setup.Sealed, codeAt(t, setup.Secret, now))
	if err != nil {
		t.Fatalf("enable totp: %v", err)
	}
	return setup.Secret, codes
}

func TestTwoFactorEnrollment(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc, clock := twoFactorService(t, db)
		u := mustCreate(t, svc, "tf@example.org")

		if on, err := svc.HasTwoFactor(ctx, u.ID); err != nil || on {
			t.Fatalf("HasTwoFactor before enrolling = %v, %v", on, err)
		}
		setup, err := svc.NewTOTPSetup(u, "Test site")
		if err != nil {
			t.Fatal(err)
		}
		wrong := codeAt(t, setup.Secret, clock.Now().Add(-5*time.Minute))
		if _, err := svc.EnableTOTP(ctx, u, setup.Sealed, wrong); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Fatalf("EnableTOTP with an old code: %v, want invalid", err)
		}
		if on, _ := svc.HasTwoFactor(ctx, u.ID); on {
			t.Fatal("a refused code enrolled the user")
		}
		code := codeAt(t, setup.Secret, clock.Now())
		codes, err := svc.EnableTOTP(ctx, u, setup.Sealed, code)
		if err != nil {
			t.Fatalf("EnableTOTP: %v", err)
		}
		if len(codes) != 3 {
			t.Fatalf("got %d recovery codes, want 3", len(codes))
		}
		st, err := svc.TwoFactorStatus(ctx, u.ID)
		if err != nil || !st.Enabled || st.RecoveryCodesLeft != 3 || !st.Since.Equal(clock.Now().Truncate(time.Microsecond)) {
			t.Fatalf("status = %+v, %v", st, err)
		}

		// The secret is stored sealed, never in the clear.
		var stored string
		if err := db.SQL().QueryRow(`SELECT secret FROM accounts_go_user_totp WHERE user_id = $1`, u.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, setup.Secret) || len(stored) < len(setup.Secret) {
			t.Fatalf("stored secret %q is not sealed", stored)
		}
		// The code that proved the app cannot log in.
		if _, err := svc.CheckSecondFactor(ctx, u, code); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Fatalf("the enrollment code passed again: %v", err)
		}

		ok, err := svc.DisableTOTP(ctx, u.ID)
		if err != nil || !ok {
			t.Fatalf("DisableTOTP = %v, %v", ok, err)
		}
		if ok, _ := svc.DisableTOTP(ctx, u.ID); ok {
			t.Fatal("DisableTOTP reported a second removal")
		}
		if st, _ := svc.TwoFactorStatus(ctx, u.ID); st.Enabled || st.RecoveryCodesLeft != 0 {
			t.Fatalf("status after disabling = %+v", st)
		}
		var left int
		db.SQL().QueryRow(`SELECT count(*) FROM accounts_go_recovery_code WHERE user_id = $1`, u.ID).Scan(&left)
		if left != 0 {
			t.Fatalf("%d recovery codes left after disabling", left)
		}
	})
}

func TestSecondFactorCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc, clock := twoFactorService(t, db)
		u := mustCreate(t, svc, "codes@example.org")
		other := mustCreate(t, svc, "other@example.org")
		secret, recovery := enroll(t, svc, u, clock.Now())
		_, otherRecovery := enroll(t, svc, other, clock.Now())

		clock.Advance(time.Minute)
		now := clock.Now()
		tests := []struct {
			name  string
			input string
			want  accounts.SecondFactor // 0: refused
		}{
			{"code of the previous step", codeAt(t, secret, now.Add(-totp.Period)), accounts.ByAuthenticator},
			{"replayed code", codeAt(t, secret, now.Add(-totp.Period)), 0},
			{"current code", codeAt(t, secret, now), accounts.ByAuthenticator},
			{"older code after a newer one", codeAt(t, secret, now.Add(-totp.Period)), 0},
			{"code two steps ahead", codeAt(t, secret, now.Add(2*totp.Period)), 0},
			{"code of the next step", codeAt(t, secret, now.Add(totp.Period)), accounts.ByAuthenticator},
			{"recovery code", recovery[0], accounts.ByRecoveryCode},
			{"recovery code again", recovery[0], 0},
			{"recovery code typed in capitals without dashes", upperNoDash(recovery[1]), accounts.ByRecoveryCode},
			{"another user's recovery code", otherRecovery[0], 0},
			{"garbage", "not a code", 0},
			{"empty", "", 0},
		}
		for _, tt := range tests {
			got, err := svc.CheckSecondFactor(ctx, u, tt.input)
			if tt.want == 0 {
				if accounts.ErrorCode(err) != accounts.EInvalid || accounts.ErrorMessage(err) != accounts.MsgInvalidCode {
					t.Errorf("%s: got %v, %v; want %q", tt.name, got, err, accounts.MsgInvalidCode)
				}
				continue
			}
			if err != nil || got != tt.want {
				t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
			}
		}
		if st, _ := svc.TwoFactorStatus(ctx, u.ID); st.RecoveryCodesLeft != 1 {
			t.Errorf("recovery codes left = %d, want 1", st.RecoveryCodesLeft)
		}

		// New codes replace the old ones, used or not.
		fresh, err := svc.NewRecoveryCodes(ctx, u.ID)
		if err != nil || len(fresh) != 3 {
			t.Fatalf("NewRecoveryCodes = %v, %v", fresh, err)
		}
		if _, err := svc.CheckSecondFactor(ctx, u, recovery[2]); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Errorf("a replaced recovery code passed: %v", err)
		}
		if f, err := svc.CheckSecondFactor(ctx, u, fresh[2]); err != nil || f != accounts.ByRecoveryCode {
			t.Errorf("a new recovery code: %v, %v", f, err)
		}
		stranger := mustCreate(t, svc, "stranger@example.org")
		if _, err := svc.NewRecoveryCodes(ctx, stranger.ID); accounts.ErrorCode(err) != accounts.ENotFound {
			t.Errorf("NewRecoveryCodes without an authenticator: %v, want not found", err)
		}
		if _, err := svc.CheckSecondFactor(ctx, stranger, codeAt(t, secret, now)); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Errorf("a user without an authenticator passed: %v", err)
		}
	})
}

// TestSecondFactorCodeWorksOnce sends one code from many requests at once:
// exactly one passes (ASVS 6.5.1), and likewise for a recovery code.
func TestSecondFactorCodeWorksOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc, clock := twoFactorService(t, db)
		u := mustCreate(t, svc, "race@example.org")
		secret, recovery := enroll(t, svc, u, clock.Now())
		clock.Advance(time.Minute)
		for _, input := range []string{codeAt(t, secret, clock.Now()), recovery[0]} {
			var passed atomic.Int32
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					if _, err := svc.CheckSecondFactor(ctx, u, input); err == nil {
						passed.Add(1)
					} else if accounts.ErrorCode(err) != accounts.EInvalid {
						t.Errorf("CheckSecondFactor: %v", err)
					}
				})
			}
			wg.Wait()
			if n := passed.Load(); n != 1 {
				t.Errorf("%d of 10 parallel uses of one code passed, want 1", n)
			}
		}
	})
}

func upperNoDash(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}
