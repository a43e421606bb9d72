package token

import (
	"bytes"
	"encoding/json"
)

// marshalCompat encodes v as itsdangerous' _CompactJSON does:
// json.dumps(v, ensure_ascii=False, separators=(",", ":")). Go's encoder
// differs from it in two ways, both undone here: it escapes <, > and &
// (switched off) and it escapes U+2028 and U+2029, which Python writes raw.
func marshalCompat(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	js := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !bytes.Contains(js, []byte(`\u202`)) {
		return js, nil
	}
	out := make([]byte, 0, len(js))
	for i := 0; i < len(js); i++ {
		if js[i] != '\\' || i+1 == len(js) {
			out = append(out, js[i])
			continue
		}
		// An escape: either \u2028 / \u2029 to unescape, or a pair to copy
		// whole (so that an escaped backslash is never mistaken for one).
		switch rest := js[i:]; {
		case bytes.HasPrefix(rest, []byte(`\u2028`)):
			out = append(out, "\u2028"...)
			i += 5
			continue
		case bytes.HasPrefix(rest, []byte(`\u2029`)):
			out = append(out, "\u2029"...)
			i += 5
			continue
		}
		out = append(out, js[i], js[i+1])
		i++
	}
	return out, nil
}
