package accounts

import (
	"context"
	"testing"
	"time"
)

func TestHashPool(t *testing.T) {
	p := newHashPool(1, 1)
	ctx := context.Background()
	release, err := p.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := p.acquire(ctx) // waits: the one queue place
		if err == nil {
			r()
		}
		got <- err
	}()
	for p.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	if _, err := p.acquire(ctx); ErrorCode(err) != EUnavailable || ErrorMessage(err) != MsgBusy {
		t.Errorf("third caller with the queue full: %v, want unavailable", err)
	}
	release()
	if err := <-got; err != nil {
		t.Errorf("the waiting caller: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	release, _ = p.acquire(ctx)
	cancel()
	if _, err := p.acquire(cctx); err != context.Canceled {
		t.Errorf("a caller whose context ends while waiting: %v", err)
	}
	release()
	if p.waiting.Load() != 0 || len(p.slots) != 0 {
		t.Errorf("pool not back to idle: waiting %d running %d", p.waiting.Load(), len(p.slots))
	}
	var none *hashPool
	if r, err := none.acquire(ctx); err != nil {
		t.Errorf("no pool: %v", err)
	} else {
		r()
	}
}
