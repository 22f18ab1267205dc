package dsl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar only gives structure: keywords, operators and their layering.
// Types, fields and audiences are checked in a separate pass that has
// positions and can say what was meant (check.go).

// Expr is a whole condition: terms joined by "or".
type Expr struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Terms  []*And `parser:"@@ ( ( 'or' | '||' ) @@ )*"`
}

// And is factors joined by "and".
type And struct {
	Pos     lexer.Position
	EndPos  lexer.Position
	Factors []*Not `parser:"@@ ( ( 'and' | '&&' ) @@ )*"`
}

// Not is an optionally negated comparison.
type Not struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Negate *Not        `parser:"  ( 'not' | '!' ) @@"`
	Cmp    *Comparison `parser:"| @@"`
}

// Comparison is an operand, optionally compared with another.
type Comparison struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Left   *Operand  `parser:"@@"`
	Op     *Operator `parser:"( @@"`
	Right  *Operand  `parser:"  @@ )?"`
}

// Operator is a comparison operator; "not in" and "not contains" are
// written as two words.
type Operator struct {
	Pos    lexer.Position
	Negate *SetOp `parser:"  'not' @@"`
	Set    *SetOp `parser:"| @@"`
	Cmp    string `parser:"| @( '==' | '!=' | '<=' | '>=' | '<' | '>' )"`
}

// SetOp is one of the word operators.
type SetOp struct {
	Op   string `parser:"  @( 'in' | 'contains' )"`
	With string `parser:"| @( 'starts' | 'ends' ) 'with'"`
}

// Operand is a value: a literal, a list, a call, a field path or a
// parenthesised condition.
type Operand struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Number *string `parser:"  @( '-'? Number )"`
	String *string `parser:"| @String"`
	Bool   *string `parser:"| @( 'true' | 'false' )"`
	List   *List   `parser:"| @@"`
	Call   *Call   `parser:"| @@"`
	Path   *Path   `parser:"| @@"`
	Paren  *Expr   `parser:"| '(' @@ ')'"`
}

// List is a literal list: ["a", "b"] or [1, 2].
type List struct {
	Pos   lexer.Position
	Items []*Operand `parser:"'[' ( @@ ( ',' @@ )* ','? )? ']'"`
}

// Call is a function call: audience("VIP Shoppers"), any(items, ...).
type Call struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   string  `parser:"@Ident '('"`
	Args   []*Expr `parser:"( @@ ( ',' @@ )* )? ')'"`
}

// Path is a dotted field path: cart.subtotal, item.attributes.brand.
type Path struct {
	Pos   lexer.Position
	Parts []*Ident `parser:"@@ ( '.' @@ )*"`
}

// Ident is one part of a path, with its position.
type Ident struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

var lex = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\n]*`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "Number", Pattern: `[0-9]+(\.[0-9]+)?`},
	// Strings never cross a line, so that a missing quote is reported where
	// the string starts rather than where the next one happens to end.
	{Name: "String", Pattern: `"(\\.|[^"\\\n])*"|'(\\.|[^'\\\n])*'`},
	{Name: "Unterminated", Pattern: `["'][^\n]*`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Op", Pattern: `==|!=|<=|>=|=>|=<|&&|\|\||[-=!<>&|]`},
	{Name: "Punct", Pattern: `[()\[\],.]`},
	{Name: "Other", Pattern: `.`},
})

var parser = participle.MustBuild[Expr](
	participle.Lexer(lex),
	participle.Elide("Comment", "Whitespace"),
	participle.Unquote("String"),
	participle.CaseInsensitive("Ident"),
	participle.UseLookahead(2),
)

// Error is a problem in a condition, at a byte offset of its text.
type Error struct {
	Offset int    // byte offset in the condition text
	Code   string // stable kind: "syntax", "unknown-field", "type-mismatch", ...
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Offset, e.Msg) }

// maxSource bounds a condition's length: expr's AST limit guards memory, and
// no merchandiser writes a 16 KiB condition on purpose.
const maxSource = 16 << 10

// Parse parses a condition. Its error, if any, is an *Error with a message a
// merchandiser understands.
func Parse(src string) (*Expr, error) {
	if len(src) > maxSource {
		return nil, &Error{Code: "too-long", Msg: fmt.Sprintf("condition is %d bytes long; the limit is %d", len(src), maxSource)}
	}
	if strings.TrimSpace(stripComments(src)) == "" {
		return nil, &Error{Code: "syntax", Msg: "empty condition: write one, or leave the key out to mean always"}
	}
	if e := quickParse(src); e != nil {
		return e, nil
	}
	e, err := parser.ParseString("", src)
	if err != nil {
		return nil, friendly(src, err)
	}
	return e, nil
}

func stripComments(src string) string {
	var b strings.Builder
	for line := range strings.Lines(src) {
		if i := strings.IndexByte(line, '#'); i >= 0 && !strings.ContainsAny(line[:i], `"'`) {
			line = line[:i]
		}
		b.WriteString(line)
	}
	return b.String()
}

// friendly turns participle's grammar-speak into what was found and what
// could come there instead.
func friendly(src string, err error) *Error {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Error{Code: "syntax", Msg: err.Error()}
	}
	off := perr.Position().Offset
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) {
		return &Error{Offset: off, Code: "syntax", Msg: unexpected(src, ute.Unexpected, ute.Expect)}
	}
	msg := perr.Message()
	if strings.Contains(msg, "invalid input text") {
		msg = "unexpected character " + quoteRune(src, off)
	}
	return &Error{Offset: off, Code: "syntax", Msg: msg}
}

func unexpected(src string, tok lexer.Token, expect string) string {
	found := describe(tok)
	switch {
	case tok.EOF():
		if hint := afterLast(src); hint != "" {
			return "the condition ends too early: " + hint
		}
		return "the condition ends too early"
	case lex.Symbols()["Unterminated"] == tok.Type:
		return "string is not closed: add the closing quote"
	case tok.Value == "=":
		return `unexpected "=": write == to compare`
	case tok.Value == "=>" || tok.Value == "=<":
		return fmt.Sprintf("unexpected %q: did you mean %q?", tok.Value, string(tok.Value[1])+"=")
	case tok.Value == "&" || tok.Value == "|":
		return fmt.Sprintf("unexpected %q: write and / or (or && / ||)", tok.Value)
	case lex.Symbols()["Other"] == tok.Type:
		return "unexpected character " + found + ": conditions use letters, digits, quotes, ( ) [ ] , . and the operators == != < <= > >= and or not in contains"
	}
	if strings.Contains(expect, "')'") || strings.Contains(expect, "']'") {
		return fmt.Sprintf("unexpected %s: expected %s", found, words(expect))
	}
	return fmt.Sprintf("unexpected %s: expected an operator (and, or, ==, >=, in, contains, ...) or the end of the condition", found)
}

// afterLast says what is missing when the text stops short, from its last
// token.
func afterLast(src string) string {
	toks, err := lexer.ConsumeAll(mustLex(src))
	if err != nil || len(toks) == 0 {
		return ""
	}
	var last lexer.Token
	for _, t := range toks {
		if t.EOF() || t.Type == lex.Symbols()["Whitespace"] || t.Type == lex.Symbols()["Comment"] {
			continue
		}
		last = t
	}
	switch strings.ToLower(last.Value) {
	case "and", "or", "not", "&&", "||", "!":
		return fmt.Sprintf("expected a condition after %q", last.Value)
	case "==", "!=", "<=", ">=", "<", ">", "in", "contains", "with":
		return fmt.Sprintf("expected a value after %q", last.Value)
	case "(", ",":
		return "expected a value"
	case ".":
		return "expected a field name after \".\""
	}
	return "a parenthesis, bracket or call is not closed"
}

func mustLex(src string) lexer.Lexer {
	l, err := lex.Lex("", strings.NewReader(src))
	if err != nil {
		panic(err) // the simple lexer's Lex only fails on reader errors
	}
	return l
}

func describe(t lexer.Token) string {
	if t.EOF() {
		return "end of condition"
	}
	return fmt.Sprintf("%q", t.Value)
}

func words(expect string) string {
	r := strings.NewReplacer("<ident>", "a name", "<number>", "a number", "<string>", "a string", "'", `"`)
	return r.Replace(expect)
}

func quoteRune(src string, off int) string {
	if off >= 0 && off < len(src) {
		return fmt.Sprintf("%q", []rune(src[off:])[0])
	}
	return "at end"
}
