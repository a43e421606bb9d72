package accounts

import (
	"fmt"
	"testing"
	"time"
)

func TestTopCounts(t *testing.T) {
	counts := func(ns ...int) []LabelCount {
		var out []LabelCount
		for i, n := range ns {
			out = append(out, LabelCount{Label: fmt.Sprint("L", i), N: n})
		}
		return out
	}
	cases := []struct {
		in   []LabelCount
		want string
	}{
		{counts(5, 4, 3), "[{L0 5} {L1 4} {L2 3}]"},
		{counts(9, 8, 7), "[{L0 9} {L1 8} {L2 7}]"},
		// n=2: the third and fourth are summed as Other.
		{counts(9, 8, 7, 6), "[{L0 9} {L1 8} {Other 13}]"},
		// ua-parser's own "Other" takes the rest.
		{append(counts(9, 8), LabelCount{"Other", 2}, LabelCount{"L3", 1}), "[{L0 9} {L1 8} {Other 3}]"},
		{append([]LabelCount{{"Other", 9}}, counts(8, 7, 6)...), "[{Other 22} {L0 8}]"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(topCounts(c.in, 2)); got != c.want {
			t.Errorf("topCounts(%v, 2) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestPerDay(t *testing.T) {
	since := time.Date(2025, 2, 27, 0, 0, 0, 0, time.UTC)
	got := perDay(map[string]int{"2025-02-28": 3, "2025-03-01": 1, "2025-01-01": 9}, since, 3)
	want := "2025-02-27:0 2025-02-28:3 2025-03-01:1"
	var s string
	for i, d := range got {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s:%d", d.Day.Format(time.DateOnly), d.N)
	}
	if s != want {
		t.Errorf("perDay = %s, want %s", s, want)
	}
}

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		" Zenodo.ORG. ": "zenodo.org", "localhost": "localhost", "cern.ch": "cern.ch", "bücher.example": "bücher.example",
		"": "!", "a b.example": "!", "-x.example": "!", ".": "!", "x..example": "!", "example.123": "!",
	} {
		got, tld, err := NormalizeDomain(in)
		switch {
		case want == "!" && ErrorCode(err) != EInvalid:
			t.Errorf("NormalizeDomain(%q) = %q, %v; want invalid", in, got, err)
		case want != "!" && (err != nil || got != want || tld != got[len(got)-len(tld):]):
			t.Errorf("NormalizeDomain(%q) = %q (tld %q), %v; want %q", in, got, tld, err, want)
		}
	}
}

func TestDomainStatusNames(t *testing.T) {
	for n := DomainNew; n <= DomainBlocked; n++ {
		if back, ok := ParseDomainStatus(DomainStatusName(n)); !ok || back != n {
			t.Errorf("status %d round-trips to %d, %v", n, back, ok)
		}
	}
	for _, bad := range []string{"", "great", "New"} {
		if _, ok := ParseDomainStatus(bad); ok {
			t.Errorf("ParseDomainStatus(%q) accepted", bad)
		}
	}
	if DomainStatusName(0) != "" || DomainStatusName(5) != "" {
		t.Errorf("statuses out of range have names")
	}
}

func TestAuditEventNames(t *testing.T) {
	for _, e := range AuditEvents() {
		if !knownEvent(e) || ActionEvent("nope") != "" {
			t.Errorf("event %s", e)
		}
	}
	for _, a := range []string{ActionBlock, ActionRestore, ActionActivate, ActionDeactivate, ActionVerify} {
		if !knownEvent(ActionEvent(a)) {
			t.Errorf("action %s has no audit event", a)
		}
	}
	for p, want := range map[string]bool{"user.": true, "login.": true, "user": false, "nope.": false, ".": false} {
		if got := knownEventPrefix(p); got != want {
			t.Errorf("knownEventPrefix(%q) = %v", p, got)
		}
	}
	if got := clipRunes("äöü", 2); got != "äö" {
		t.Errorf("clipRunes = %q", got)
	}
}

func TestPaging(t *testing.T) {
	for _, c := range []struct{ page, size, limit, offset int }{
		{0, 0, 10, 0}, {1, 10, 10, 0}, {3, 20, 20, 40}, {2, 500, 100, 100},
	} {
		q := AdminUserQuery{Page: c.page, Size: c.size}
		if q.Limit() != c.limit || q.Offset() != c.offset {
			t.Errorf("page %d size %d: limit %d offset %d", c.page, c.size, q.Limit(), q.Offset())
		}
	}
	for _, bad := range [][2]int{{-1, 10}, {1, -1}, {1, 101}} {
		if err := checkPage(bad[0], bad[1]); ErrorCode(err) != EInvalid {
			t.Errorf("checkPage(%v) = %v", bad, err)
		}
	}
}
