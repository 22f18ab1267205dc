package dsl

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// ruleLexer is ruleLex written out by hand: the same tokens, of the same
// types, at the same positions, without a regular expression per token
// (the regular expressions were most of the time a large .rules file took
// to load). A test holds the two to the same tokens.
type ruleLexer struct{ *lexer.StatefulDefinition }

var fastRuleLex = ruleLexer{ruleLex}

// Lex lexes what r holds.
func (d ruleLexer) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil {
		return nil, err
	}
	return d.LexString(filename, b.String())
}

// LexString lexes s.
func (ruleLexer) LexString(filename, s string) (lexer.Lexer, error) {
	return &ruleScanner{src: s, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}, nil
}

// LexBytes lexes b.
func (d ruleLexer) LexBytes(filename string, b []byte) (lexer.Lexer, error) {
	return d.LexString(filename, string(b))
}

type ruleScanner struct {
	src string
	pos lexer.Position
}

var ruleTypes = ruleLex.Symbols()

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// Next returns the next token, trying ruleLex's rules in their order.
func (l *ruleScanner) Next() (lexer.Token, error) {
	s := l.src[l.pos.Offset:]
	if s == "" {
		return lexer.EOFToken(l.pos), nil
	}
	n, typ := 0, ""
	switch c := s[0]; {
	case c == '#':
		n, typ = strings.IndexByte(s, '\n'), "Comment"
		if n < 0 {
			n = len(s)
		}
	case c == '\n':
		n, typ = 1, "Newline"
	case c == ' ' || c == '\t' || c == '\r':
		for n < len(s) && (s[n] == ' ' || s[n] == '\t' || s[n] == '\r') {
			n++
		}
		typ = "Whitespace"
	case c == '"' || c == '\'':
		n, typ = quoted(s), "String"
		if n == 0 {
			n, typ = strings.IndexByte(s, '\n'), "Unterminated"
			if n < 0 {
				n = len(s)
			}
		}
	case isWordByte(c):
		if n = timeLen(s); n > 0 {
			typ = "Time"
			break
		}
		n, typ = wordLen(s), "Word"
	case strings.HasPrefix(s, ".."):
		n, typ = 2, "Range"
	case strings.IndexByte("-+*/=!<>&|%", c) >= 0:
		n, typ = 1, "Op"
		if len(s) > 1 {
			switch s[:2] {
			case "==", "!=", "<=", ">=", "=>", "=<", "&&", "||":
				n = 2
			}
		}
	case strings.IndexByte("()[]{},.:;", c) >= 0:
		n, typ = 1, "Punct"
	default:
		_, n = utf8.DecodeRuneInString(s)
		typ = "Other"
	}
	t := lexer.Token{Type: ruleTypes[typ], Value: s[:n], Pos: l.pos}
	l.pos.Advance(s[:n])
	return t, nil
}

// quoted is the length of the string token s starts with (String: escapes
// allowed, no line break), or 0 when it is not closed on its line.
func quoted(s string) int {
	q := s[0]
	for i := 1; i < len(s); {
		switch c := s[i]; c {
		case q:
			return i + 1
		case '\n':
			return 0
		case '\\':
			if i+1 >= len(s) || s[i+1] == '\n' {
				return 0
			}
			_, w := utf8.DecodeRuneInString(s[i+1:])
			i += 1 + w
		default:
			i++
		}
	}
	return 0
}

// wordLen is the length of the Word token s starts with:
// [A-Za-z0-9_]+(?:(?:\.|-+)[A-Za-z0-9_]+)*
func wordLen(s string) int {
	n := 0
	for n < len(s) && isWordByte(s[n]) {
		n++
	}
	for n < len(s) {
		sep := 0
		switch s[n] {
		case '.':
			sep = 1
		case '-':
			for n+sep < len(s) && s[n+sep] == '-' {
				sep++
			}
		}
		if sep == 0 || n+sep >= len(s) || !isWordByte(s[n+sep]) {
			break
		}
		n += sep
		for n < len(s) && isWordByte(s[n]) {
			n++
		}
	}
	return n
}

// timeLen is the length of the Time token s starts with, 0 for none:
// [0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9:.]+([Zz]|[+-][0-9]{2}:?[0-9]{2})?
func timeLen(s string) int {
	digits := func(i, k int) bool {
		if i+k > len(s) {
			return false
		}
		for j := i; j < i+k; j++ {
			if !isDigit(s[j]) {
				return false
			}
		}
		return true
	}
	if !digits(0, 4) || len(s) < 11 || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) || s[10] != 'T' && s[10] != 't' {
		return 0
	}
	n := 11
	for n < len(s) && (isDigit(s[n]) || s[n] == ':' || s[n] == '.') {
		n++
	}
	if n == 11 {
		return 0
	}
	switch {
	case n < len(s) && (s[n] == 'Z' || s[n] == 'z'):
		n++
	case n < len(s) && (s[n] == '+' || s[n] == '-') && digits(n+1, 2):
		switch {
		case n+3 < len(s) && s[n+3] == ':' && digits(n+4, 2):
			n += 6
		case digits(n+3, 2):
			n += 5
		}
	}
	return n
}
