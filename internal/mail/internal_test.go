package mail

import (
	"errors"
	"io"
	"net/textproto"
	"testing"
	"time"
)

func TestTransactionError(t *testing.T) {
	tests := []struct {
		step      string
		err       error
		permanent bool
		code      int
	}{
		{stepRcpt, &textproto.Error{Code: 550, Msg: "5.1.1 no such user"}, true, 550},
		{stepRcpt, &textproto.Error{Code: 553, Msg: "mailbox name not allowed"}, true, 553},
		{stepDataEnd, &textproto.Error{Code: 554, Msg: "5.6.0 content rejected"}, true, 554},
		{stepRcpt, &textproto.Error{Code: 550, Msg: "5.7.1 relaying denied"}, false, 550},
		{stepMail, &textproto.Error{Code: 530, Msg: "5.7.0 authentication required"}, false, 530},
		{stepMail, &textproto.Error{Code: 553, Msg: "sender rejected"}, false, 553},
		{stepRcpt, &textproto.Error{Code: 452, Msg: "4.2.2 mailbox full"}, false, 452},
		{stepData, io.ErrUnexpectedEOF, false, 0},
		{stepRcpt, ErrInvalid, true, 0},
	}
	for _, tt := range tests {
		err := transactionError(tt.step, tt.err)
		var se *SendError
		if !errors.As(err, &se) || se.Permanent != tt.permanent || se.Code != tt.code || !errors.Is(err, tt.err) {
			t.Errorf("transactionError(%s, %v) = %#v, want permanent=%v code=%d", tt.step, tt.err, err, tt.permanent, tt.code)
		}
	}
}

func TestBackoff(t *testing.T) {
	mm := New(nil, nil, Options{RetryBase: 30 * time.Second, RetryMax: 6 * time.Hour})
	tests := []struct {
		attempt int
		mean    time.Duration
	}{
		{1, 30 * time.Second}, {2, 2 * time.Minute}, {3, 8 * time.Minute}, {4, 32 * time.Minute},
		{5, 128 * time.Minute}, {6, 6 * time.Hour}, {20, 6 * time.Hour},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := mm.backoff(tt.attempt)
			lo, hi := tt.mean*8/10, tt.mean*12/10
			if d < lo || d > hi {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tt.attempt, d, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff(%d) has no jitter: %v", tt.attempt, seen)
		}
	}
}

func TestErrorText(t *testing.T) {
	long := make([]byte, 3000)
	for i := range long {
		long[i] = 'x'
	}
	err := errors.New("RCPT TO: 550\r\n5.1.1 no\tsuch user  " + string(long))
	got := errorText(err)
	if len([]rune(got)) != 1000 || got[:33] != "RCPT TO: 550 5.1.1 no such user x" {
		t.Errorf("errorText = %.40q… (%d runes)", got, len([]rune(got)))
	}
}
