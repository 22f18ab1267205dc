package dsl

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// ruleLexCorpus is the repository's .rules files and texts that stress
// every token rule.
func ruleLexCorpus(t testing.TB) []string {
	out := []string{
		"", "\n", "# only a comment", "rule a \"A\" {\n  when cart.subtotal >= 10 # c\n}\n",
		"from 2026-11-20T00:00:00Z to 2026-11-20t10:00+05:30 2026-11-20T1-0530 2026-11-20T1+05:3 2026-11-20T 2026-11-20",
		"a.b a..b 1..5 a--b a-.b a- -a a.-b 19.99 vip-shoes a791c66e-df31-4216-bf09-4f07500b5c0f _x",
		"== != <= >= => =< && || - + * / = ! < > & | % ( ) [ ] { } , . : ;",
		"'single' \"double\" \"esc \\\" q\" \"bad\\\n\" \"open\n'open too", "é ☃ \xff \t\r\n  \r\n",
		"data {\"a\": [1, 2]}\n", "\"\\", "'\\☃'", "#\n#x\n",
	}
	for _, root := range []string{"testdata", "../testdata", "../loader/testdata", "../cmd/ruled/testdata"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rules") && !strings.HasSuffix(p, ".golden") {
				return nil
			}
			if data, err := os.ReadFile(p); err == nil {
				out = append(out, string(data))
			}
			return nil
		})
	}
	return out
}

func checkRuleLex(t testing.TB, src string) {
	want, werr := lexer.ConsumeAll(mustLex2(t, ruleLex, src))
	got, gerr := lexer.ConsumeAll(mustLex2(t, fastRuleLex, src))
	if (werr != nil) != (gerr != nil) || !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("%q: token %d: got %+v, want %+v", src, i, got[i], want[i])
			}
		}
		t.Fatalf("%q: got %d tokens (%v), want %d (%v)", src, len(got), gerr, len(want), werr)
	}
}

func mustLex2(t testing.TB, d lexer.Definition, src string) lexer.Lexer {
	l, err := d.Lex("", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRuleLexerAgrees holds the hand-written .rules lexer to ruleLex.
func TestRuleLexerAgrees(t *testing.T) {
	corpus := ruleLexCorpus(t)
	if len(corpus) < 20 {
		t.Fatalf("only %d texts", len(corpus))
	}
	for _, src := range corpus {
		checkRuleLex(t, src)
	}
}

func FuzzRuleLexer(f *testing.F) {
	for _, s := range ruleLexCorpus(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) { checkRuleLex(t, src) })
}
