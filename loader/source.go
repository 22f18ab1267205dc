package loader

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/ruled/ruled/diag"
)

// bom is the UTF-8 byte order mark. yaml.v3 drops it before counting
// columns, so line 1 starts after it.
const bom = "\xef\xbb\xbf"

// source is one file as read: its name as shown in positions, its bytes and
// where its lines start. Lines are counted the way yaml.v3 counts them, so
// that the positions yaml reports, the offsets of conditions and the lines
// attached to diagnostics all agree.
type source struct {
	name  string
	data  []byte
	lines []int // byte offset of the start of each line; lines[0] is line 1
}

func newSource(name string, data []byte) *source {
	s := &source{name: name, data: data, lines: []int{0}}
	if bytes.HasPrefix(data, []byte(bom)) {
		s.lines[0] = len(bom)
	}
	for i := s.lines[0]; i < len(data); {
		if n := breakLen(data, i); n > 0 {
			// A break ends a line; only text after it starts one.
			if i += n; i < len(data) {
				s.lines = append(s.lines, i)
			}
			continue
		}
		i++
	}
	return s
}

// breakLen returns the length of the line break starting at data[i], or 0.
// yaml.v3 (like libyaml, YAML 1.1) breaks lines at CR LF, LF, CR, NEL
// (U+0085), LS (U+2028) and PS (U+2029).
func breakLen(data []byte, i int) int {
	switch {
	case i >= len(data):
		return 0
	case data[i] == '\n':
		return 1
	case data[i] == '\r':
		if i+1 < len(data) && data[i+1] == '\n' {
			return 2
		}
		return 1
	case data[i] == 0xc2 && i+1 < len(data) && data[i+1] == 0x85:
		return 2
	case data[i] == 0xe2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xa8 || data[i+2] == 0xa9):
		return 3
	}
	return 0
}

// lineEnd returns the offset of the line break (or end of data) at or after i.
func (s *source) lineEnd(i int) int {
	for i < len(s.data) && breakLen(s.data, i) == 0 {
		i++
	}
	return i
}

// text returns the lines of the file without their line breaks, for
// diag.Sources. The lines share one copy of the file's text: a Set keeps
// the lines of every file, and one allocation per file costs less than one
// per line.
func (s *source) text() []string {
	all := string(s.data)
	out := make([]string, len(s.lines))
	for n, start := range s.lines {
		out[n] = all[start:s.lineEnd(start)]
	}
	return out
}

// pos returns the position of byte offset off.
func (s *source) pos(off int) diag.Pos {
	line, found := slices.BinarySearch(s.lines, off)
	if !found {
		line--
	}
	line = max(line, 0)
	col := 1 + utf8.RuneCount(s.data[s.lines[line]:min(off, len(s.data))])
	return diag.Pos{File: s.name, Line: line + 1, Col: col}
}

// cursor walks the bytes of a source and keeps the position of the byte it
// is at, so that mapping a long condition stays linear.
type cursor struct {
	s         *source
	off       int
	line, col int
}

// cursorAt returns a cursor at 1-based line and column (counted in runes, as
// yaml.Node does), or false when the file has no such place.
func (s *source) cursorAt(line, col int) (cursor, bool) {
	if line < 1 || line > len(s.lines) || col < 1 {
		return cursor{}, false
	}
	c := cursor{s: s, off: s.lines[line-1], line: line, col: 1}
	for c.col < col {
		if c.atEnd() || c.atBreak() > 0 {
			return cursor{}, false
		}
		c.next()
	}
	return c, true
}

func (c *cursor) atEnd() bool { return c.off >= len(c.s.data) }

// peek returns the byte under the cursor, or 0 at the end.
func (c *cursor) peek() byte {
	if c.atEnd() {
		return 0
	}
	return c.s.data[c.off]
}

// atBreak returns the length of the line break under the cursor, or 0.
func (c *cursor) atBreak() int { return breakLen(c.s.data, c.off) }

func (c *cursor) pos() diag.Pos { return diag.Pos{File: c.s.name, Line: c.line, Col: c.col} }

// next moves past one byte, or past a whole line break. The column moves
// when the cursor reaches the start of the next rune, so every byte of a
// multi-byte rune has that rune's column.
func (c *cursor) next() {
	if n := c.atBreak(); n > 0 {
		c.off += n
		c.line++
		c.col = 1
		return
	}
	c.off++
	if c.off < len(c.s.data) && utf8.RuneStart(c.s.data[c.off]) {
		c.col++
	}
}

// skipLine moves to the start of the next line.
func (c *cursor) skipLine() {
	for !c.atEnd() && c.atBreak() == 0 {
		c.next()
	}
	c.next()
}

// skipBlanks moves past spaces and tabs.
func (c *cursor) skipBlanks() {
	for c.peek() == ' ' || c.peek() == '\t' {
		c.next()
	}
}

// checkText finds the first byte yaml.v3 would reject without saying where:
// invalid UTF-8, or a character YAML does not allow in a stream. It returns
// the offset, a diagnostic code and a message, or -1.
func checkText(data []byte) (off int, code, msg string) {
	start := 0
	if bytes.HasPrefix(data, []byte(bom)) {
		start = len(bom)
	}
	for i := start; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i, "invalid-encoding", fmt.Sprintf("invalid UTF-8 byte 0x%02x: rule files must be UTF-8 text", data[i])
		}
		if !allowed(r) {
			return i, "invalid-character", fmt.Sprintf("character %U is not allowed in YAML: remove it or write it as an escape in a double-quoted string", r)
		}
		i += n
	}
	return -1, "", ""
}

// allowed reports whether YAML allows r in a stream (libyaml's reader check).
func allowed(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e, r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}
