package totp

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"
)

// qrSVG is what the tests read of QRSVG's output.
type qrSVG struct {
	XMLName   xml.Name `xml:"http://www.w3.org/2000/svg svg"`
	ViewBox   string   `xml:"viewBox,attr"`
	Width     string   `xml:"width,attr"`
	Height    string   `xml:"height,attr"`
	Role      string   `xml:"role,attr"`
	AriaLabel string   `xml:"aria-label,attr"`
	Rects     []struct {
		Width  string `xml:"width,attr"`
		Height string `xml:"height,attr"`
		Fill   string `xml:"fill,attr"`
	} `xml:"rect"`
	Paths []struct {
		Fill string `xml:"fill,attr"`
		D    string `xml:"d,attr"`
	} `xml:"path"`
}

// parseQRSVG parses out, checks its frame and returns the modules drawn,
// quiet zone included: grid[y][x] true for dark.
func parseQRSVG(t *testing.T, out []byte) (svg qrSVG, grid [][]bool) {
	t.Helper()
	if err := xml.Unmarshal(out, &svg); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	var size int
	if _, err := fmt.Sscanf(svg.ViewBox, "0 0 %d %d", &size, new(int)); err != nil || svg.ViewBox != fmt.Sprintf("0 0 %d %d", size, size) {
		t.Fatalf("viewBox %q", svg.ViewBox)
	}
	if px := strconv.Itoa(size * 4); svg.Width != px || svg.Height != px {
		t.Errorf("width, height = %q, %q, want %s (4 px a module)", svg.Width, svg.Height, px)
	}
	if svg.Role != "img" {
		t.Errorf("role = %q", svg.Role)
	}
	if s := strconv.Itoa(size); len(svg.Rects) != 1 || svg.Rects[0].Width != s || svg.Rects[0].Height != s || svg.Rects[0].Fill != "#fff" {
		t.Errorf("background rects %+v, want one white %s×%s", svg.Rects, s, s)
	}
	if len(svg.Paths) != 1 || svg.Paths[0].Fill != "#000" {
		t.Fatalf("paths %+v, want one black", svg.Paths)
	}
	grid = make([][]bool, size)
	for y := range grid {
		grid[y] = make([]bool, size)
	}
	for _, r := range strings.SplitAfter(svg.Paths[0].D, "z") {
		if r == "" {
			continue
		}
		var x, y, w, w2 int
		if _, err := fmt.Sscanf(r, "M%d %dh%dv1h-%dz", &x, &y, &w, &w2); err != nil || w != w2 || w < 1 {
			t.Fatalf("path segment %q: %v", r, err)
		}
		if y < 0 || y >= size || x < 0 || x+w > size {
			t.Fatalf("path segment %q outside the %d×%d view box", r, size, size)
		}
		for i := x; i < x+w; i++ {
			if grid[y][i] {
				t.Fatalf("module %d,%d drawn twice", i, y)
			}
			grid[y][i] = true
		}
	}
	return svg, grid
}

func TestQRSVG(t *testing.T) {
	tests := []struct {
		name, text, label string
		version           int
	}{
		{"numeric", "123456", "Code", 1},
		{"alphanumeric", "HELLO WORLD", "Hello", 1},
		{"uri", URI("Invenio", "alice@example.org", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "QR code for Invenio", 0},
		{"uri with escapes", URI("Example Co: R&D", "josé+tag@example.org", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), "Scan for Example Co: R&D", 0},
		{"long uri", URI("Zenodo Research Data Repository", "a.very.long.address@example.org",
			"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), "x", 10},
		{"label to escape", "otpauth://totp/x", `A "quoted" <b>site</b> & 'co'` + "\n\x00", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := QRSVG(tc.text, tc.label)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(out, []byte("style")) || bytes.Contains(out, []byte("<?xml")) {
				t.Errorf("output has a style or an XML declaration:\n%s", out)
			}
			svg, grid := parseQRSVG(t, out)
			// xml.EscapeText turns characters XML cannot hold into U+FFFD.
			if want := strings.ReplaceAll(tc.label, "\x00", "\uFFFD"); svg.AriaLabel != want {
				t.Errorf("aria-label = %q, want %q", svg.AriaLabel, want)
			}
			if raw := []byte(`aria-label="` + tc.label); bytes.Contains(out, raw) && strings.ContainsAny(tc.label, `"<&`) {
				t.Errorf("label not escaped:\n%s", out)
			}

			code, err := qr.Encode(tc.text, qr.M, qr.Auto)
			if err != nil {
				t.Fatal(err)
			}
			dim := code.Bounds().Dx()
			if len(grid) != dim+8 {
				t.Fatalf("%d modules a side, want %d + 2×4 quiet zone", len(grid), dim)
			}
			symbol := make([][]bool, dim)
			for y := range grid {
				for x := range grid[y] {
					in := x >= 4 && x < 4+dim && y >= 4 && y < 4+dim
					if !in {
						if grid[y][x] {
							t.Fatalf("dark module %d,%d in the quiet zone", x, y)
						}
						continue
					}
					r, _, _, _ := code.At(x-4, y-4).RGBA()
					if want := r == 0; grid[y][x] != want {
						t.Fatalf("module %d,%d dark = %v, qr.Encode has %v", x-4, y-4, grid[y][x], want)
					}
				}
				if y >= 4 && y < 4+dim {
					symbol[y-4] = grid[y][4 : 4+dim]
				}
			}
			got, err := decodeQR(symbol)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got != tc.text {
				t.Errorf("decoded %q, want %q", got, tc.text)
			}
			if v := (dim - 17) / 4; tc.version != 0 && v != tc.version {
				t.Errorf("version %d, want %d", v, tc.version)
			}
		})
	}
}

func TestQRSVGErrors(t *testing.T) {
	secret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	tests := []struct{ name, text string }{
		{"empty", ""},
		{"too long", URI(strings.Repeat("i", 3000), "a", secret)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := QRSVG(tc.text, "x")
			if err == nil {
				t.Fatalf("no error, %d bytes", len(out))
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

// TestDecodeQRRefusesDamage checks that the test reader is no rubber
// stamp: it refuses a symbol with one data module flipped.
func TestDecodeQRRefusesDamage(t *testing.T) {
	code, err := qr.Encode("otpauth://totp/x?secret=GEZDGNBV", qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	dim := code.Bounds().Dx()
	symbol := make([][]bool, dim)
	for y := range symbol {
		symbol[y] = make([]bool, dim)
		for x := range symbol[y] {
			r, _, _, _ := code.At(x, y).RGBA()
			symbol[y][x] = r == 0
		}
	}
	if _, err := decodeQR(symbol); err != nil {
		t.Fatalf("undamaged: %v", err)
	}
	tests := []struct {
		name string
		x, y int
	}{
		{"data", dim - 1, dim - 1},
		{"format", 8, 2},
		{"late codeword", 10, dim - 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			symbol[tc.y][tc.x] = !symbol[tc.y][tc.x]
			defer func() { symbol[tc.y][tc.x] = !symbol[tc.y][tc.x] }()
			if got, err := decodeQR(symbol); err == nil {
				t.Errorf("decoded %q", got)
			}
		})
	}
}
