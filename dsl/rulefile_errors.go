package dsl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/ruled/ruled/diag"
)

// friendly turns participle's error into what a merchandiser can act on:
// what was found, where, and what to write instead. The grammar accepts
// almost any words (rulefile.go), so what remains to go wrong here is the
// shape of the file: braces, quotes, characters that are not part of the
// language, and conditions outside a body.
func (s *source) friendly(err error) *diag.Diagnostic {
	d := &diag.Diagnostic{Pos: diag.Pos{File: s.name, Line: 1, Col: 1}, Code: "syntax"}
	var perr participle.Error
	if !errors.As(err, &perr) {
		d.Message = "cannot read the file: " + err.Error()
		return d
	}
	off := perr.Position().Offset
	d.Pos = s.pos(off)
	var ute *participle.UnexpectedTokenError
	if !errors.As(err, &ute) {
		d.Message = "cannot read the file: " + strings.TrimSpace(perr.Message())
		return d
	}
	t := ute.Unexpected
	open := s.openAt(off)
	switch {
	case t.Type == tokUnterminated:
		d.Message = "string is not closed: add the closing quote on the same line"
	case t.Type == tokOther:
		d.Message = fmt.Sprintf("unexpected character %s: outside quotes, a .rules file uses words, numbers, dates, commas and the braces of a declaration", quoteShort(t.Value))
	case t.EOF() && open != nil:
		d.Message = fmt.Sprintf("the file ends inside %s (line %d): add \"}\" to close it", open, open.line)
	case t.Value == "{" && open != nil:
		d.Message = fmt.Sprintf("unexpected \"{\": %s (line %d) is not closed; add \"}\" on the line before this declaration", open, open.line)
	case t.Value == "{":
		d.Message = `unexpected "{": a declaration starts with what it declares and its id, e.g. rule vip-shoes "VIP: 50% off shoes" {`
	case t.Value == "}":
		d.Message = `unexpected "}": there is no open "{" for it to close`
	case strings.EqualFold(t.Value, "when") || strings.EqualFold(t.Value, "where"):
		d.Message = fmt.Sprintf("unexpected %s outside a declaration: conditions go between the braces of a rule", quoteShort(t.Value))
	default:
		d.Message = fmt.Sprintf("unexpected %s", describeToken(t))
	}
	return d
}

func describeToken(t lexer.Token) string {
	if t.EOF() {
		return "end of file"
	}
	if t.Type == tokNewline {
		return "end of line"
	}
	return quoteShort(t.Value)
}

// openDecl is a declaration whose body is open at some point of the file.
type openDecl struct {
	kind, id string
	line     int
}

func (o *openDecl) String() string {
	// Shortened: a message quotes a word of the file, which can be long.
	if o.id == "" {
		return shorten(o.kind)
	}
	return fmt.Sprintf("%s %s", shorten(o.kind), shorten(o.id))
}

// openAt returns the declaration whose body is open at byte offset off, or
// nil at the top level.
func (s *source) openAt(off int) *openDecl {
	toks, err := lexer.ConsumeAll(mustLexRules(s.text))
	if err != nil {
		return nil
	}
	var open, head *openDecl
	depth := 0 // of braces inside a body: a block's data
	lineStart := true
	for _, t := range toks {
		if t.EOF() || t.Pos.Offset >= off {
			break
		}
		switch {
		case t.Type == tokNewline:
			lineStart = true
			continue
		case t.Type == tokComment || strings.TrimSpace(t.Value) == "":
			continue
		case t.Value == "{" && open != nil:
			depth++
		case t.Value == "{":
			if head != nil {
				open = head
			}
		case t.Value == "}" && depth > 0:
			depth--
		case t.Value == "}":
			open, head = nil, nil
		case open == nil && lineStart:
			head = &openDecl{kind: strings.ToLower(t.Value), line: t.Pos.Line}
		case open == nil && head != nil && head.id == "":
			head.id = t.Value
		}
		lineStart = false
	}
	return open
}

func mustLexRules(src string) lexer.Lexer {
	l, err := fastRuleLex.LexString("", src)
	if err != nil {
		panic(err) // the simple lexer's Lex only fails on reader errors
	}
	return l
}

// shorten cuts s for a message; see diag.Shorten.
func shorten(s string) string { return diag.Shorten(s) }

// quoteShort quotes s for a message, shortened.
func quoteShort(s string) string {
	if t := shorten(s); t != s {
		return strconv.Quote(strings.TrimSuffix(t, "...")) + "..."
	}
	return strconv.Quote(s)
}
