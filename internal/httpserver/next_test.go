package httpserver

import "testing"

func TestSafeNext(t *testing.T) {
	cases := map[string]string{
		"/":                              "/",
		"/account/settings/":             "/account/settings/",
		"/search?q=a&b=c#frag":           "/search?q=a&b=c#frag",
		"/%E2%9C%93":                     "/%E2%9C%93",
		"":                               "",
		"//evil.com":                     "",
		"///evil.com":                    "",
		"/\\evil.com":                    "",
		"\\\\evil.com":                   "",
		"/%09/evil.com":                  "",
		"/%2F/evil.com":                  "",
		"/%5Cevil.com":                   "",
		"https:evil.com":                 "",
		"http://allowed@evil.com":        "",
		"https://evil.com/":              "",
		"javascript:alert(1)":            "",
		"JaVaScRiPt:alert(1)":            "",
		"／／evil.com":                     "",
		"/／evil.com":                     "",
		"/\tevil":                        "",
		"/\r\nLocation: evil":            "",
		"evil.com":                       "",
		"/%zz":                           "",
		"/ok/" + string(make([]byte, 0)): "/ok/",
	}
	for in, want := range cases {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//evil.com", "/\\evil", "/%09/x", "https:evil.com", "／／x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if got == "" {
			return
		}
		if got != s || got[0] != '/' || (len(got) > 1 && (got[1] == '/' || got[1] == '\\')) {
			t.Errorf("safeNext(%q) = %q", s, got)
		}
	})
}
