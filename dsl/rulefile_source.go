package dsl

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// maxRulesFile bounds the size of a .rules file, as the loader bounds every
// file it reads.
const maxRulesFile = 1 << 20

// source is a .rules file's text with its line starts, for positions.
type source struct {
	name  string
	text  string
	lines []int // byte offset of the start of each line
}

func newSource(name string, data []byte) *source {
	// The byte order mark is not part of the text: line 1 starts after it.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	s := &source{name: name, text: string(data), lines: []int{0}}
	for i := 0; i < len(s.text); i++ {
		if s.text[i] == '\n' && i+1 < len(s.text) {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

// pos returns the position of byte offset off; columns count runes.
func (s *source) pos(off int) diag.Pos {
	off = max(0, min(off, len(s.text)))
	line := 0
	for lo, hi := 0, len(s.lines)-1; lo <= hi; {
		mid := (lo + hi) / 2
		if s.lines[mid] <= off {
			line, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	col := 1 + utf8.RuneCountInString(s.text[s.lines[line]:off])
	return diag.Pos{File: s.name, Line: line + 1, Col: col}
}

// at returns the position of a token.
func (s *source) at(p lexer.Position) diag.Pos { return s.pos(p.Offset) }

// sourceLines returns the file's lines without their line breaks, for
// diag.Sources.
func (s *source) sourceLines() []string {
	lines := strings.Split(s.text, "\n")
	if len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// expr returns the condition in span c as a rules.Expr: its text and the
// position of every byte when it spans lines.
func (s *source) expr(c *condSpan) rules.Expr {
	text := s.text[c.start:c.end]
	e := rules.Expr{Text: text, Pos: s.pos(c.start)}
	if !strings.Contains(text, "\n") {
		return e
	}
	e.Offsets = make([]diag.Pos, len(text))
	p := e.Pos
	for i := 0; i < len(text); i++ {
		e.Offsets[i] = p
		switch {
		case text[i] == '\n':
			p.Line, p.Col = p.Line+1, 1
		case i+1 < len(text) && utf8.RuneStart(text[i+1]):
			p.Col++
		}
	}
	return e
}

// parse reads the grammar of a .rules file. The error is a diagnostic a
// merchandiser understands (see friendlyRules).
func (s *source) parse() (*ruleFile, *diag.Diagnostic) {
	if len(s.text) > maxRulesFile {
		return nil, &diag.Diagnostic{Pos: diag.Pos{File: s.name}, Code: "file-too-large", Message: "file is larger than 1 MiB: split it into several files"}
	}
	if i := invalidUTF8(s.text); i >= 0 {
		return nil, &diag.Diagnostic{Pos: s.pos(i), Code: "invalid-encoding",
			Message: "invalid UTF-8: .rules files must be UTF-8 text"}
	}
	f, err := ruleParser.ParseString(s.name, s.text)
	if err != nil {
		return nil, s.friendly(err)
	}
	fillTokens(f)
	return f, nil
}

func invalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}
