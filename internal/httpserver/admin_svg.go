package httpserver

import (
	"fmt"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

// The dashboard's pictures are SVG drawn on the server: geometry is
// computed here and admin/dashboard.html draws it, so the pages need no
// script and no outside stylesheet. The sizes are in SVG units; a chart
// scales to its box and its viewBox is narrow enough for text to stay
// readable on a phone.

// dayChart is a bar chart of a count per day.
type dayChart struct {
	ID, Title   string
	W, H        int
	Top, Bottom float64 // plot area, y
	Left, Right float64 // plot area, x
	Max         int
	Total       int
	Bars        []dayBar
}

// dayBar is one day's bar; Label is set on the days that carry a tick.
type dayBar struct {
	X, Y, W, H float64
	LabelX     float64 // the middle of the bar
	Day        time.Time
	N          int
	Label      string
}

const (
	dayChartW = 360
	dayChartH = 170
)

// newDayChart lays out counts (oldest first) as bars, labelling about
// every week.
func newDayChart(id, title string, counts []accounts.DayCount) dayChart {
	c := dayChart{ID: id, Title: title, W: dayChartW, H: dayChartH, Top: 14, Bottom: dayChartH - 22, Left: 30, Right: dayChartW - 18}
	for _, d := range counts {
		c.Max = max(c.Max, d.N)
		c.Total += d.N
	}
	scale := niceMax(c.Max)
	c.Max = scale
	if len(counts) == 0 {
		return c
	}
	step := (c.Right - c.Left) / float64(len(counts))
	for i, d := range counts {
		h := (c.Bottom - c.Top) * float64(d.N) / float64(scale)
		b := dayBar{X: c.Left + float64(i)*step + step*0.15, W: step * 0.7, Y: c.Bottom - h, H: h, Day: d.Day, N: d.N}
		b.LabelX = b.X + b.W/2
		if (len(counts)-1-i)%7 == 0 {
			b.Label = d.Day.Format("Jan 2")
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten (at least
// 1), so that the axis reads well.
func niceMax(n int) int {
	if n <= 1 {
		return 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// labelChart is a horizontal bar chart of counts by label.
type labelChart struct {
	ID, Title string
	W, H      int
	BarX      float64 // where the bars start, right of the labels
	Total     int
	Rows      []labelRow
}

// labelRow is one bar: the label, cut to fit, with the full one for the
// tooltip and the table.
type labelRow struct {
	Y, BarW       float64
	Label, Full   string
	N             int
	Percent       string
	TextY, CountX float64
}

const (
	labelChartW = 360
	labelRowH   = 26
	labelBarX   = 120
	labelBarMax = labelChartW - labelBarX - 60
)

func newLabelChart(id, title string, counts []accounts.LabelCount) labelChart {
	c := labelChart{ID: id, Title: title, W: labelChartW, H: max(1, len(counts))*labelRowH + 8, BarX: labelBarX}
	top := 0
	for _, l := range counts {
		c.Total += l.N
		top = max(top, l.N)
	}
	for i, l := range counts {
		full := cmpOr(l.Label, "Unknown")
		r := labelRow{Y: float64(4 + i*labelRowH), Full: full, Label: cut(full, 16), N: l.N}
		r.BarW = float64(labelBarMax) * float64(l.N) / float64(max(top, 1))
		r.TextY = r.Y + labelRowH/2 + 4
		r.CountX = labelBarX + r.BarW + 6
		r.Percent = fmt.Sprintf("%.0f%%", 100*float64(l.N)/float64(max(c.Total, 1)))
		c.Rows = append(c.Rows, r)
	}
	return c
}

// cut shortens s to n characters with an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
