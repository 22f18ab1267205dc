package dsl

import (
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// This file is the grammar of .rules files. It gives structure only:
// declarations ("rule", "audience", later "placement" and "block") with
// their header words and a body of settings, one a line. What each setting
// means, and whether its words are right, is decided by the lowering
// (rulefile_lower.go), which knows the vocabulary, reports every problem
// at once and suggests what was meant. Keeping the vocabulary out of the
// grammar is what makes those messages possible: participle stops at the
// first token it cannot place and can only say which token it wanted.
//
// Conditions are not parsed here. A condition runs from "when" or "where"
// to the end of its line, and goes on over the next lines while a
// parenthesis or bracket is open, while a line ends with an operator (and,
// or, not, ==, in, a comma, ...), or when the next line starts with and /
// or. Its text and position go into a rules.Expr; the engine compiles it
// with the condition grammar (grammar.go), reporting errors at their place
// in the .rules file.

// ruleFile is a whole .rules file.
type ruleFile struct {
	Decls []*decl `parser:"Newline* ( @@ Newline* )*"`
}

// decl is one declaration: a kind word, header arguments (the id, the
// quoted name and, for later kinds, more), and an optional body.
type decl struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Kind   *arg   `parser:"@@"`
	Args   []*arg `parser:"@@*"`
	Body   *body  `parser:"@@?"`
}

// body is a declaration's braces and the settings between them.
type body struct {
	Pos      lexer.Position
	EndPos   lexer.Position
	Settings []*setting `parser:"'{' Newline* ( @@ Newline* )* '}'"`
}

// setting is one line of a body: words, and a condition after "when" or
// "where"; or "data" and JSON (see parseData).
type setting struct {
	Pos  lexer.Position
	Data dataValue `parser:"( @@"`
	Args []*arg    `parser:"| @@+"`
	Cond *clause   `parser:"  @@? | @@ )"`
}

// clause is a condition and the word that introduces it.
type clause struct {
	Pos   lexer.Position
	Intro string    `parser:"@( 'when' | 'where' )"`
	Cond  condition `parser:"@@"`
}

// arg is one word, quoted string, date or punctuation of a header or
// setting.
type arg struct {
	Pos  lexer.Position
	Word string `parser:"(?! 'when' | 'where' | '{' | '}' ) ( @Word"`
	Str  string `parser:"  | @String"`
	Time string `parser:"  | @Time"`
	Sym  string `parser:"  | @( Range | Op | Punct ) )"`
	// tok is the argument as one token (see fillTokens).
	tok lexer.Token
	// kw is set by the lowering when the word is part of the vocabulary
	// (not a value), so that fmt writes it in lower case.
	kw bool
}

// fillTokens sets every argument's tok. (Capturing a lexer.Token directly
// would capture the blanks before it.)
func fillTokens(f *ruleFile) {
	fill := func(a *arg) {
		a.tok = lexer.Token{Pos: a.Pos}
		switch {
		case a.Word != "":
			a.tok.Type, a.tok.Value = tokWord, a.Word
		case a.Str != "":
			a.tok.Type, a.tok.Value = tokString, a.Str
		case a.Time != "":
			a.tok.Type, a.tok.Value = tokTime, a.Time
		default:
			a.tok.Type, a.tok.Value = tokSym, a.Sym
		}
	}
	for _, d := range f.Decls {
		fill(d.Kind)
		for _, a := range d.Args {
			fill(a)
		}
		if d.Body == nil {
			continue
		}
		for _, st := range d.Body.Settings {
			if st.Data != nil {
				kw := st.Data.(*jsonSpan).kw
				st.Args = []*arg{{Pos: kw.Pos, Word: kw.Value}}
			}
			for _, a := range st.Args {
				fill(a)
			}
		}
	}
}

// condition is the custom production for condition text: participle's
// ParseTypeWith needs an interface.
type condition interface{ span() *condSpan }

// condSpan is where a condition's text is in the file: from the first
// byte of its first token to the end of its last one. Comments and line
// breaks inside are part of the text; a comment after its last token is
// not.
type condSpan struct {
	start, end int // byte offsets; equal when the condition is empty
}

func (c *condSpan) span() *condSpan { return c }

// dataValue is the custom production for JSON data (see parseData).
type dataValue interface{ dataSpan() *condSpan }

// jsonSpan is where a JSON value's text is in the file, and the "data"
// word before it.
type jsonSpan struct {
	condSpan
	kw lexer.Token
}

func (j *jsonSpan) dataSpan() *condSpan { return &j.condSpan }

var ruleLex = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\n]*`},
	{Name: "Newline", Pattern: `\n`},
	{Name: "Whitespace", Pattern: `[ \t\r]+`},
	// Strings never cross a line, as in conditions (grammar.go).
	{Name: "String", Pattern: `"(\\.|[^"\\\n])*"|'(\\.|[^'\\\n])*'`},
	{Name: "Unterminated", Pattern: `["'][^\n]*`},
	{Name: "Time", Pattern: `[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9:.]+([Zz]|[+-][0-9]{2}:?[0-9]{2})?`},
	// Words are ids, codes, numbers, dates and keywords: vip-shoes,
	// 2026-11-20, 19.99, a791c66e-df31-4216-bf09-4f07500b5c0f.
	{Name: "Word", Pattern: `[A-Za-z0-9_]+(?:(?:\.|-+)[A-Za-z0-9_]+)*`},
	{Name: "Range", Pattern: `\.\.`},
	{Name: "Op", Pattern: `==|!=|<=|>=|=>|=<|&&|\|\||[-+*/=!<>&|%]`},
	{Name: "Punct", Pattern: `[()\[\]{},.:;]`},
	{Name: "Other", Pattern: `.`},
})

var ruleParser = participle.MustBuild[ruleFile](
	participle.Lexer(fastRuleLex),
	participle.Elide("Comment", "Whitespace"),
	participle.CaseInsensitive("Word"),
	participle.ParseTypeWith(parseCondition),
	participle.ParseTypeWith(parseData),
	participle.UseLookahead(2),
)

var (
	tokNewline      = ruleLex.Symbols()["Newline"]
	tokComment      = ruleLex.Symbols()["Comment"]
	tokString       = ruleLex.Symbols()["String"]
	tokUnterminated = ruleLex.Symbols()["Unterminated"]
	tokWord         = ruleLex.Symbols()["Word"]
	tokTime         = ruleLex.Symbols()["Time"]
	tokOther        = ruleLex.Symbols()["Other"]
	// tokSym stands for Range, Op and Punct in arguments.
	tokSym = ruleLex.Symbols()["Punct"]
)

// parseCondition takes the tokens of one condition: see the comment at the
// top of this file for where it ends. It never fails; an empty condition
// is reported by the lowering, which can say which setting it belongs to.
func parseCondition(lx *lexer.PeekingLexer) (condition, error) {
	c := &condSpan{start: -1}
	depth := 0
	var last *lexer.Token
	for {
		t := lx.Peek()
		if t.EOF() || t.Value == "{" || t.Value == "}" {
			break
		}
		if t.Type == tokNewline {
			if depth > 0 || (last != nil && continues(last)) {
				lx.Next()
				continue
			}
			// A line starting with and / or continues the condition;
			// blank and comment lines may come between.
			cp := lx.MakeCheckpoint()
			for lx.Peek().Type == tokNewline {
				lx.Next()
			}
			if last != nil && startsContinuation(lx.Peek()) {
				continue
			}
			lx.LoadCheckpoint(cp)
			break
		}
		switch t.Value {
		case "(", "[":
			depth++
		case ")", "]":
			depth = max(0, depth-1)
		}
		last = lx.Next()
		if c.start < 0 {
			c.start = last.Pos.Offset
		}
		c.end = last.Pos.Offset + len(last.Value)
	}
	if c.start < 0 {
		c.start, c.end = 0, 0
	}
	return c, nil
}

// parseData takes the word "data" and a JSON object or array after it:
// from "{" or "[" to the bracket that closes it, over as many lines as it
// takes. Strings are tokens of their own, so brackets inside them do not
// count. Anything else is not this production (participle.NextMatch):
// "data" with a plain value is an ordinary setting, and a "{" after other
// words is a declaration inside a body that was not closed. Whether the
// text is JSON is the lowering's business: it can say where and why.
func parseData(lx *lexer.PeekingLexer) (dataValue, error) {
	cp := lx.MakeCheckpoint()
	kw := lx.Peek()
	if kw.Type != tokWord || !strings.EqualFold(kw.Value, "data") {
		return nil, participle.NextMatch
	}
	kwTok := *lx.Next()
	t := lx.Peek()
	if t.Value != "{" && t.Value != "[" {
		lx.LoadCheckpoint(cp)
		return nil, participle.NextMatch
	}
	j := &jsonSpan{condSpan: condSpan{start: t.Pos.Offset}, kw: kwTok}
	depth := 0
	for {
		t := lx.Peek()
		if t.EOF() {
			break
		}
		switch t.Value {
		case "{", "[":
			depth++
		case "}", "]":
			depth--
		}
		last := lx.Next()
		if last.Type != tokNewline {
			j.end = last.Pos.Offset + len(last.Value)
		}
		if depth == 0 {
			break
		}
	}
	return j, nil
}

// continues reports whether a line ending in t must go on: it ends with an
// operator or a comma.
func continues(t *lexer.Token) bool {
	switch strings.ToLower(t.Value) {
	case "and", "or", "not", "&&", "||", "!", ",", "(", "[",
		"==", "!=", "<", "<=", ">", ">=", "in", "contains", "starts", "ends", "with":
		return true
	}
	return false
}

// startsContinuation reports whether a line starting with t continues the
// condition of the line before.
func startsContinuation(t *lexer.Token) bool {
	switch strings.ToLower(t.Value) {
	case "and", "or", "&&", "||":
		return true
	}
	return false
}
