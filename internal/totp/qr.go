package totp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"strconv"

	"github.com/boombuler/barcode/qr"
)

const (
	// qrQuietZone is the white border around the symbol, in modules: the
	// 4 that ISO/IEC 18004 requires.
	qrQuietZone = 4
	// qrModulePx is the width and height of a module in CSS pixels.
	qrModulePx = 4
)

// QRSVG renders text as a QR code (error correction level M) in an SVG
// document to put inline into an HTML page: black modules as one <path> on
// a white <rect>, a quiet zone of 4 modules, a viewBox in modules, width and
// height of 4 px a module, role="img" and aria-label set to label (escaped).
// It uses presentation attributes only, no style attribute or element, for
// pages with a strict Content-Security-Policy. It returns an error for an
// empty text and for one too long for a QR code (about 2300 bytes).
func QRSVG(text, label string) ([]byte, error) {
	if text == "" {
		return nil, errors.New("qr svg: empty text")
	}
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		// The library's error quotes text, which holds a TOTP secret:
		// keep it out of error messages and logs.
		return nil, fmt.Errorf("qr svg: cannot encode %d bytes", len(text))
	}
	dark := qrModules(code)
	size := strconv.Itoa(len(dark) + 2*qrQuietZone)
	px := strconv.Itoa((len(dark) + 2*qrQuietZone) * qrModulePx)

	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + size + " " + size +
		`" width="` + px + `" height="` + px + `" role="img" aria-label="`)
	if err := xml.EscapeText(&b, []byte(label)); err != nil {
		return nil, fmt.Errorf("qr svg: %w", err)
	}
	b.WriteString(`" shape-rendering="crispEdges"><rect width="` + size + `" height="` + size +
		`" fill="#fff"/><path fill="#000" d="`)
	writeQRPath(&b, dark)
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

// qrModules returns the modules of code, dark[y][x] true for a dark one.
func qrModules(code image.Image) [][]bool {
	r := code.Bounds()
	dark := make([][]bool, r.Dy())
	for y := range dark {
		dark[y] = make([]bool, r.Dx())
		for x := range dark[y] {
			l, _, _, _ := code.At(r.Min.X+x, r.Min.Y+y).RGBA()
			dark[y][x] = l < 0x8000
		}
	}
	return dark
}

// writeQRPath writes the path data of the dark modules: one rectangle
// "M x y h n v 1 h -n z" for every horizontal run, shifted by the quiet
// zone.
func writeQRPath(b *bytes.Buffer, dark [][]bool) {
	for y, row := range dark {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			n := 1
			for x+n < len(row) && row[x+n] {
				n++
			}
			fmt.Fprintf(b, "M%d %dh%dv1h-%dz", x+qrQuietZone, y+qrQuietZone, n, n)
			x += n
		}
	}
}
