package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the key table in docs/configuration.md")

const (
	docsPath  = "../../docs/configuration.md"
	beginMark = "<!-- keys:begin -->"
	endMark   = "<!-- keys:end -->"
	unsetCell = "(unset)"
)

// renderKeyTable renders the key table as Markdown, one table per group.
func renderKeyTable(keys []Key) string {
	var b strings.Builder
	group := ""
	for _, k := range keys {
		if k.Group != group {
			group = k.Group
			fmt.Fprintf(&b, "\n### %s\n\n| Key | Type | Default | Meaning |\n|---|---|---|---|\n", group)
		}
		kind := k.Kind.String()
		switch {
		case k.Secret:
			kind += ", secret"
		case k.SecretInURL:
			kind += ", password masked"
		}
		def := unsetCell
		switch {
		case k.DefaultText != "":
			def = k.DefaultText
		case k.Default != "":
			def = "`" + k.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, kind, cell(def), cell(k.Doc))
	}
	return b.String()
}

// cell escapes the pipes of a table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

func TestConfigDocsUpToDate(t *testing.T) {
	data, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	begin, end := strings.Index(doc, beginMark), strings.Index(doc, endMark)
	if begin < 0 || end < begin {
		t.Fatalf("%s lacks the markers %s and %s", docsPath, beginMark, endMark)
	}
	want := beginMark + "\n" + renderKeyTable(Keys()) + "\n" + endMark
	if doc[begin:end+len(endMark)] == want {
		return
	}
	if !*update {
		t.Fatalf("the key table in %s is out of date; run: go test ./internal/config -run TestConfigDocsUpToDate -update", docsPath)
	}
	doc = doc[:begin] + want + doc[end+len(endMark):]
	if err := os.WriteFile(docsPath, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRenderKeyTable(t *testing.T) {
	got := renderKeyTable([]Key{
		{Name: "A_KEY", Kind: Int, Default: "1", Group: "G", Doc: "A | B."},
		{Name: "B_KEY", Kind: String, Group: "G", Doc: "Unset.", Secret: true},
		{Name: "C_KEY", Kind: Bool, Group: "H", DefaultText: "`A_KEY`", Doc: "Derived."},
	})
	want := "\n### G\n\n| Key | Type | Default | Meaning |\n|---|---|---|---|\n" +
		"| `A_KEY` | int | `1` | A \\| B. |\n" +
		"| `B_KEY` | string, secret | (unset) | Unset. |\n" +
		"\n### H\n\n| Key | Type | Default | Meaning |\n|---|---|---|---|\n" +
		"| `C_KEY` | bool | `A_KEY` | Derived. |\n"
	if got != want {
		t.Errorf("renderKeyTable =\n%s\nwant\n%s", got, want)
	}
}
