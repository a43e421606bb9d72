package totp

import (
	"errors"
	"fmt"
	"strings"
)

// A minimal QR code reader for the tests, written from ISO/IEC 18004 and
// independent of the encoder: it reads a perfect symbol (no quiet zone, no
// errors to correct) of error correction level M and version 1 to 13,
// checks the format and version information, the module count of the
// version, the Reed-Solomon check bytes of every block, and decodes
// numeric, alphanumeric and byte segments. A symbol it reads is one that
// a phone can read.

// qrBlocksM is the block structure of level M (ISO/IEC 18004 table 9):
// check bytes per block, then the count and data bytes of each group.
var qrBlocksM = [...]struct{ ec, n1, d1, n2, d2 int }{
	1: {10, 1, 16, 0, 0}, 2: {16, 1, 28, 0, 0}, 3: {26, 1, 44, 0, 0},
	4: {18, 2, 32, 0, 0}, 5: {24, 2, 43, 0, 0}, 6: {16, 4, 27, 0, 0},
	7: {18, 4, 31, 0, 0}, 8: {22, 2, 38, 2, 39}, 9: {22, 3, 36, 2, 37},
	10: {26, 4, 43, 1, 44}, 11: {30, 1, 50, 4, 51}, 12: {22, 6, 36, 2, 37},
	13: {22, 8, 37, 1, 38},
}

// qrAlignment is the row and column of alignment pattern centres (annex E).
var qrAlignment = [...][]int{
	1: nil, 2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}, 10: {6, 28, 50},
	11: {6, 30, 54}, 12: {6, 32, 58}, 13: {6, 34, 62},
}

// qrRemainder is the number of remainder bits after the last codeword.
var qrRemainder = [...]int{1: 0, 2: 7, 3: 7, 4: 7, 5: 7, 6: 7, 7: 0, 8: 0, 9: 0, 10: 0, 11: 0, 12: 0, 13: 0}

// decodeQR returns the text of the symbol dark[y][x] (true for dark).
func decodeQR(dark [][]bool) (string, error) {
	dim := len(dark)
	version := (dim - 17) / 4
	if (dim-17)%4 != 0 || version < 1 || version >= len(qrBlocksM) {
		return "", fmt.Errorf("size %d: not a version this reader knows", dim)
	}
	for _, row := range dark {
		if len(row) != dim {
			return "", errors.New("not square")
		}
	}
	get := func(x, y int) int {
		if dark[y][x] {
			return 1
		}
		return 0
	}
	mask, err := qrFormat(dim, get)
	if err != nil {
		return "", err
	}
	if err := qrVersion(dim, version, get); err != nil {
		return "", err
	}
	codewords, err := qrCodewords(dim, version, mask, get)
	if err != nil {
		return "", err
	}
	data, err := qrDeinterleave(version, codewords)
	if err != nil {
		return "", err
	}
	return qrSegments(version, data)
}

// bchCode returns data followed by its BCH check bits under generator g of
// degree n.
func bchCode(data, g, n int) int {
	v := data << n
	for i := bitLen(v) - 1; i >= n; i-- {
		if v>>i&1 == 1 {
			v ^= g << (i - n)
		}
	}
	return data<<n | v
}

func bitLen(v int) int {
	n := 0
	for ; v > 0; v >>= 1 {
		n++
	}
	return n
}

// qrFormat reads both copies of the format information and returns the
// mask, requiring level M.
func qrFormat(dim int, get func(x, y int) int) (int, error) {
	var f1, f2 int
	for x := 0; x < 6; x++ {
		f1 = f1<<1 | get(x, 8)
	}
	f1 = f1<<1 | get(7, 8)
	f1 = f1<<1 | get(8, 8)
	f1 = f1<<1 | get(8, 7)
	for y := 5; y >= 0; y-- {
		f1 = f1<<1 | get(8, y)
	}
	for y := dim - 1; y >= dim-7; y-- {
		f2 = f2<<1 | get(8, y)
	}
	for x := dim - 8; x < dim; x++ {
		f2 = f2<<1 | get(x, 8)
	}
	if f1 != f2 {
		return 0, fmt.Errorf("format copies differ: %015b, %015b", f1, f2)
	}
	for d := 0; d < 32; d++ {
		if bchCode(d, 0x537, 10)^0x5412 == f1 {
			if d>>3 != 0 {
				return 0, fmt.Errorf("error correction level bits %02b, want 00 (M)", d>>3)
			}
			return d & 7, nil
		}
	}
	return 0, fmt.Errorf("format %015b is no valid code word", f1)
}

// qrVersion checks both copies of the version information (version 7 on).
func qrVersion(dim, version int, get func(x, y int) int) error {
	if version < 7 {
		return nil
	}
	var v1, v2 int
	for j := 5; j >= 0; j-- {
		for i := dim - 9; i >= dim-11; i-- {
			v1 = v1<<1 | get(i, j)
			v2 = v2<<1 | get(j, i)
		}
	}
	if want := bchCode(version, 0x1f25, 12); v1 != want || v2 != want {
		return fmt.Errorf("version information %018b, %018b, want %018b", v1, v2, want)
	}
	return nil
}

// qrFunction returns the modules of the function patterns, format and
// version information, fn[y][x].
func qrFunction(dim, version int) [][]bool {
	fn := make([][]bool, dim)
	for y := range fn {
		fn[y] = make([]bool, dim)
	}
	fill := func(x0, y0, w, h int) {
		for y := y0; y < y0+h; y++ {
			for x := x0; x < x0+w; x++ {
				fn[y][x] = true
			}
		}
	}
	fill(0, 0, 9, 9)      // top-left finder, separator, format
	fill(dim-8, 0, 8, 9)  // top-right finder, separator, format
	fill(0, dim-8, 9, 8)  // bottom-left finder, separator, format, dark module
	fill(6, 9, 1, dim-17) // vertical timing
	fill(9, 6, dim-17, 1) // horizontal timing
	al := qrAlignment[version]
	for i, cy := range al {
		for j, cx := range al {
			first, last := 0, len(al)-1
			if i == first && j == first || i == first && j == last || i == last && j == first {
				continue // under a finder
			}
			fill(cx-2, cy-2, 5, 5)
		}
	}
	if version >= 7 {
		fill(dim-11, 0, 3, 6)
		fill(0, dim-11, 6, 3)
	}
	return fn
}

// qrMasked reports whether mask inverts the module in row i, column j.
func qrMasked(mask, i, j int) bool {
	switch mask {
	case 0:
		return (i+j)%2 == 0
	case 1:
		return i%2 == 0
	case 2:
		return j%3 == 0
	case 3:
		return (i+j)%3 == 0
	case 4:
		return (i/2+j/3)%2 == 0
	case 5:
		return i*j%2+i*j%3 == 0
	case 6:
		return (i*j%2+i*j%3)%2 == 0
	default:
		return ((i+j)%2+i*j%3)%2 == 0
	}
}

// qrCodewords reads the codewords in placement order, unmasked, and checks
// that the data modules are as many as the version's codewords need.
func qrCodewords(dim, version, mask int, get func(x, y int) int) ([]byte, error) {
	fn := qrFunction(dim, version)
	var out []byte
	var cur, n, modules int
	up := true
	for right := dim - 1; right > 0; right -= 2 {
		if right == 6 {
			right-- // skip the vertical timing pattern
		}
		for k := 0; k < dim; k++ {
			y := k
			if up {
				y = dim - 1 - k
			}
			for x := right; x >= right-1; x-- {
				if fn[y][x] {
					continue
				}
				bit := get(x, y)
				if qrMasked(mask, y, x) {
					bit ^= 1
				}
				modules++
				cur = cur<<1 | bit
				if n++; n == 8 {
					out = append(out, byte(cur))
					cur, n = 0, 0
				}
			}
		}
		up = !up
	}
	b := qrBlocksM[version]
	total := b.n1*(b.d1+b.ec) + b.n2*(b.d2+b.ec)
	if modules != total*8+qrRemainder[version] {
		return nil, fmt.Errorf("version %d has %d data modules, want %d", version, modules, total*8+qrRemainder[version])
	}
	return out[:total], nil
}

// qrDeinterleave splits codewords into blocks, checks the Reed-Solomon
// bytes of each and returns the data bytes in order.
func qrDeinterleave(version int, codewords []byte) ([]byte, error) {
	b := qrBlocksM[version]
	var blocks [][]byte
	for i := 0; i < b.n1+b.n2; i++ {
		d := b.d1
		if i >= b.n1 {
			d = b.d2
		}
		blocks = append(blocks, make([]byte, 0, d+b.ec))
	}
	k := 0
	for i := 0; i < max(b.d1, b.d2); i++ {
		for j := range blocks {
			d := b.d1
			if j >= b.n1 {
				d = b.d2
			}
			if i < d {
				blocks[j] = append(blocks[j], codewords[k])
				k++
			}
		}
	}
	for i := 0; i < b.ec; i++ {
		for j := range blocks {
			blocks[j] = append(blocks[j], codewords[k])
			k++
		}
	}
	var data []byte
	for j, blk := range blocks {
		for r := 0; r < b.ec; r++ {
			if s := rsSyndrome(blk, r); s != 0 {
				return nil, fmt.Errorf("block %d: syndrome %d is %d", j, r, s)
			}
		}
		data = append(data, blk[:len(blk)-b.ec]...)
	}
	return data, nil
}

// rsSyndrome evaluates the block as a polynomial over GF(256) (0x11d) at
// alpha^r; every syndrome of an undamaged block is zero.
func rsSyndrome(block []byte, r int) byte {
	x := gfPow(r)
	var s byte
	for _, c := range block {
		s = gfMul(s, x) ^ c
	}
	return s
}

func gfMul(a, b byte) byte {
	var p byte
	for ; b > 0; b >>= 1 {
		if b&1 == 1 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1d
		}
	}
	return p
}

func gfPow(r int) byte {
	x := byte(1)
	for ; r > 0; r-- {
		x = gfMul(x, 2)
	}
	return x
}

// qrSegments decodes the segments of the data bytes.
func qrSegments(version int, data []byte) (string, error) {
	pos := 0
	read := func(n int) (int, error) {
		if pos+n > len(data)*8 {
			return 0, errors.New("data ends inside a segment")
		}
		v := 0
		for ; n > 0; n-- {
			v = v<<1 | int(data[pos/8]>>(7-pos%8)&1)
			pos++
		}
		return v, nil
	}
	small := version <= 9
	var out strings.Builder
	for len(data)*8-pos >= 4 {
		mode, _ := read(4)
		var err error
		switch mode {
		case 0:
			return out.String(), nil
		case 1:
			err = qrNumeric(read, &out, pick(small, 10, 12))
		case 2:
			err = qrAlphanumeric(read, &out, pick(small, 9, 11))
		case 4:
			err = qrBytes(read, &out, pick(small, 8, 16))
		default:
			err = fmt.Errorf("mode %04b not supported", mode)
		}
		if err != nil {
			return "", err
		}
	}
	return out.String(), nil
}

func pick(small bool, a, b int) int {
	if small {
		return a
	}
	return b
}

func qrNumeric(read func(int) (int, error), out *strings.Builder, countBits int) error {
	n, err := read(countBits)
	for ; err == nil && n > 0; n -= 3 {
		digits, bits := min(n, 3), []int{0, 4, 7, 10}[min(n, 3)]
		var v int
		if v, err = read(bits); err == nil {
			fmt.Fprintf(out, "%0*d", digits, v)
		}
	}
	return err
}

func qrAlphanumeric(read func(int) (int, error), out *strings.Builder, countBits int) error {
	const set = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	n, err := read(countBits)
	for ; err == nil && n > 0; n -= 2 {
		chars, bits := min(n, 2), []int{0, 6, 11}[min(n, 2)]
		var v int
		if v, err = read(bits); err != nil {
			break
		}
		if chars == 2 {
			if v >= 45*45 {
				return fmt.Errorf("alphanumeric pair %d out of range", v)
			}
			out.WriteByte(set[v/45])
			v %= 45
		}
		if v >= 45 {
			return fmt.Errorf("alphanumeric %d out of range", v)
		}
		out.WriteByte(set[v])
	}
	return err
}

func qrBytes(read func(int) (int, error), out *strings.Builder, countBits int) error {
	n, err := read(countBits)
	for ; err == nil && n > 0; n-- {
		var v int
		if v, err = read(8); err == nil {
			out.WriteByte(byte(v))
		}
	}
	return err
}
