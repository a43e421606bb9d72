package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxLiteralDepth bounds the nesting of arrays and objects.
const maxLiteralDepth = 32

// litParser reads JSON values and the Python literals invenio-config accepts
// (ast.literal_eval): single-quoted strings, True/False/None, tuples and
// trailing commas. It yields string, int64, float64, bool, nil, []any and
// map[string]any.
type litParser struct {
	s     string
	i     int
	depth int
}

// parseLiteral parses s as one literal value with nothing after it.
func parseLiteral(s string) (any, error) {
	p := &litParser{s: s}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, p.errorf("unexpected %q after the value", p.s[p.i])
	}
	return v, nil
}

func (p *litParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *litParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *litParser) value() (any, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, p.errorf("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array(']')
	case c == '(':
		return p.array(')')
	case c == '"' || c == '\'':
		return p.str()
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return p.word()
}

// container runs item for each element of a bracketed sequence ending in
// end, allowing a trailing comma.
func (p *litParser) container(end byte, item func() error) error {
	if p.depth++; p.depth > maxLiteralDepth {
		return p.errorf("nested too deeply")
	}
	defer func() { p.depth-- }()
	p.i++ // opening bracket
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == end {
			p.i++
			return nil
		}
		if err := item(); err != nil {
			return err
		}
		p.space()
		switch {
		case p.i < len(p.s) && p.s[p.i] == ',':
			p.i++
		case p.i < len(p.s) && p.s[p.i] == end:
		default:
			return p.errorf("expected ',' or %q", end)
		}
	}
}

func (p *litParser) array(end byte) (any, error) {
	out := []any{}
	err := p.container(end, func() error {
		v, err := p.value()
		out = append(out, v)
		return err
	})
	return out, err
}

func (p *litParser) object() (any, error) {
	out := map[string]any{}
	err := p.container('}', func() error {
		k, err := p.value()
		if err != nil {
			return err
		}
		key, ok := k.(string)
		if !ok {
			return p.errorf("object keys must be strings")
		}
		if p.space(); p.i >= len(p.s) || p.s[p.i] != ':' {
			return p.errorf("expected ':'")
		}
		p.i++
		v, err := p.value()
		out[key] = v
		return err
	})
	return out, err
}

func (p *litParser) word() (any, error) {
	start := p.i
	for p.i < len(p.s) && isWordByte(p.s[p.i]) {
		p.i++
	}
	switch w := p.s[start:p.i]; w {
	case "true", "True":
		return true, nil
	case "false", "False":
		return false, nil
	case "null", "None":
		return nil, nil
	}
	p.i = start
	return nil, p.errorf("unexpected %q", p.s[p.i])
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (p *litParser) number() (any, error) {
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("0123456789+-.eE", p.s[p.i]) >= 0 {
		p.i++
	}
	text := p.s[start:p.i]
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return f, nil
	}
	p.i = start
	return nil, p.errorf("bad number %q", text)
}

// str reads a quoted string. Escapes are JSON's and Python's; an unknown
// escape keeps its backslash, as Python does.
func (p *litParser) str() (any, error) {
	quote := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == quote:
			p.i++
			return b.String(), nil
		case c == '\n' || c == '\r':
			return nil, p.errorf("line break inside a string")
		case c == '\\':
			if err := p.escape(&b); err != nil {
				return nil, err
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return nil, p.errorf("unterminated string")
}

// escape decodes the escape sequence at p.i (a backslash) into b.
func (p *litParser) escape(b *strings.Builder) error {
	if p.i+1 >= len(p.s) {
		return p.errorf("unterminated string")
	}
	c := p.s[p.i+1]
	p.i += 2
	if r, ok := simpleEscape(c); ok {
		b.WriteRune(r)
		return nil
	}
	width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
	if width == 0 {
		b.WriteByte('\\')
		b.WriteByte(c)
		return nil
	}
	r, err := p.hexRune(width)
	if err != nil {
		return err
	}
	if utf16.IsSurrogate(r) && strings.HasPrefix(p.s[p.i:], `\u`) {
		save := p.i
		p.i += 2
		if low, err := p.hexRune(4); err == nil && utf16.DecodeRune(r, low) != utf8.RuneError {
			r = utf16.DecodeRune(r, low)
		} else {
			p.i = save
		}
	}
	b.WriteRune(r)
	return nil
}

func simpleEscape(c byte) (rune, bool) {
	r, ok := map[byte]rune{
		'n': '\n', 't': '\t', 'r': '\r', 'b': '\b', 'f': '\f', 'v': '\v',
		'0': 0, '/': '/', '\\': '\\', '\'': '\'', '"': '"',
	}[c]
	return r, ok
}

// hexRune reads width hex digits at p.i.
func (p *litParser) hexRune(width int) (rune, error) {
	if p.i+width > len(p.s) {
		return 0, p.errorf("short escape")
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+width], 16, 32)
	if err != nil || n > utf8.MaxRune {
		return 0, errors.New("bad escape")
	}
	p.i += width
	return rune(n), nil
}
