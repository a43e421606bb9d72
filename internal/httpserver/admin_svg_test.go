package httpserver

import (
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

func TestNiceMax(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 2: 2, 3: 5, 7: 10, 10: 10, 11: 20, 150: 200, 999: 1000, 5001: 10000} {
		if got := niceMax(n); got != want {
			t.Errorf("niceMax(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestDayChart(t *testing.T) {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var counts []accounts.DayCount
	for i := range 30 {
		counts = append(counts, accounts.DayCount{Day: start.AddDate(0, 0, i), N: i % 4})
	}
	c := newDayChart("x", "X", counts)
	if c.Max != 5 || c.Total != 43 || len(c.Bars) != 30 {
		t.Fatalf("max %d, total %d, %d bars", c.Max, c.Total, len(c.Bars))
	}
	var labels []string
	for i, b := range c.Bars {
		if b.X < c.Left || b.X+b.W > c.Right || b.Y < c.Top || b.Y+b.H != c.Bottom {
			t.Errorf("bar %d (%+v) leaves the plot area", i, b)
		}
		if want := (c.Bottom - c.Top) * float64(b.N) / 5; b.H != want {
			t.Errorf("bar %d is %.1f high, want %.1f", i, b.H, want)
		}
		if b.Label != "" {
			labels = append(labels, b.Label)
		}
		if i > 0 && b.X <= c.Bars[i-1].X {
			t.Errorf("bar %d is not right of bar %d", i, i-1)
		}
	}
	if got := strings.Join(labels, ","); got != "Mar 2,Mar 9,Mar 16,Mar 23,Mar 30" {
		t.Errorf("tick labels %s: want weekly, ending on the last day", got)
	}
	if empty := newDayChart("y", "Y", nil); empty.Max != 1 || len(empty.Bars) != 0 {
		t.Errorf("an empty chart: %+v", empty)
	}
}

func TestLabelChart(t *testing.T) {
	c := newLabelChart("x", "X", []accounts.LabelCount{{Label: "Chrome Mobile WebView", N: 3}, {Label: "", N: 1}})
	if c.Total != 4 || len(c.Rows) != 2 {
		t.Fatalf("%+v", c)
	}
	top, unknown := c.Rows[0], c.Rows[1]
	if top.Label != "Chrome Mobile W…" || top.Full != "Chrome Mobile WebView" || top.Percent != "75%" || top.BarW != labelBarMax {
		t.Errorf("the first row: %+v", top)
	}
	if unknown.Full != "Unknown" || unknown.BarW != labelBarMax/3 || unknown.Y <= top.Y || float64(c.H) < unknown.Y+labelRowH {
		t.Errorf("the second row: %+v (chart height %d)", unknown, c.H)
	}
}
