package server

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds the number contract of the GraphQL API, the same as the
// REST API's: a number is plain decimal notation (digits, an optional
// fraction, no exponent), read exactly. graphql-go turns number literals
// into int32, int64 or float64 before a resolver sees them (and panics on a
// literal that does not fit), so the document is checked first, by a small
// scan that knows where each literal sits: a literal with an exponent, an
// integer beyond 64 bits or a fraction with more than 15 significant digits
// (more than a float64 carries exactly) is refused before execution, with
// the argument's path and the literal's position. Variables arrive as JSON
// and are read with the same rules (see gqlVariables).

// numberProblem is a number literal of a document that breaks the contract.
type numberProblem struct {
	field     string // the argument's path: cart.items[0].price, or $var for a variable's default
	msg       string
	line, col int
}

// checkNumbers returns the first number literal of doc that breaks the
// contract, if any.
func checkNumbers(doc string) (numberProblem, bool) {
	s := scanDocument(doc)
	return s.number, s.bad
}

// docScan is what scanDocument learns of a document before graphql-go
// parses it.
type docScan struct {
	number numberProblem // the first number literal that breaks the contract
	bad    bool          // whether there is one
	// evaluations counts the evaluateCart and dynamicBlocks fields written
	// in selection sets: a lower bound of the evaluations the request runs
	// (a fragment spread twice runs its fields twice), so a document over
	// the limit is refused before its arguments are even read.
	evaluations int64
}

// scanDocument reads doc's tokens once, for checkNumbers and the
// evaluation count. It stops at the first bad number.
func scanDocument(doc string) (scan docScan) {
	toks := gqlTokens(doc)
	// frames is the nesting of the token being read: what each open
	// bracket began, and for values, the path so far.
	type frame struct {
		kind  byte   // 'd' document, 's' selection set, 'a' arguments, 'v' variable definitions, 'o' object value, 'l' list value
		path  string // of the values inside
		field string // 's': the last field name seen; 'a'/'o'/'v': the key being given a value
		index int    // 'l': values seen so far
	}
	stack := []frame{{kind: 'd'}}
	top := func() *frame { return &stack[len(stack)-1] }
	// valuePath is the path of a value starting at the current token.
	valuePath := func() (string, bool) {
		f := top()
		switch f.kind {
		case 'a', 'v':
			return f.field, f.field != ""
		case 'o':
			if f.path == "" {
				return f.field, f.field != ""
			}
			return f.path + "." + f.field, f.field != ""
		case 'l':
			f.index++
			return fmt.Sprintf("%s[%d]", f.path, f.index-1), true
		}
		return "", false
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := func() string {
			if i+1 < len(toks) {
				return toks[i+1].text
			}
			return ""
		}
		f := top()
		inValue := (f.kind == 'a' || f.kind == 'o' || f.kind == 'v') && f.field != "" || f.kind == 'l'
		switch {
		case t.kind == tokName && (f.kind == 'a' || f.kind == 'o') && next() == ":":
			f.field = t.text
			i++ // the colon
		case t.kind == tokVariable && f.kind == 'v' && next() == ":":
			f.field = "" // a type follows, then maybe = default
			f.path = t.text
			i++
		case t.text == "=" && f.kind == 'v':
			f.field = f.path
		case t.kind == tokName && f.kind == 's':
			if next() != ":" {
				f.field = t.text
				if t.text == "evaluateCart" || t.text == "dynamicBlocks" {
					scan.evaluations++
				}
			}
		case t.text == "(":
			kind, path := byte('a'), ""
			if f.kind == 'd' {
				kind = 'v' // variable definitions of an operation
			} else if f.kind == 's' {
				path = f.field
			}
			stack = append(stack, frame{kind: kind, path: path})
		case t.text == ")" || t.text == "]" || t.text == "}":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			if g := top(); g.kind == 'a' || g.kind == 'o' {
				g.field = "" // the value is complete
			}
		case t.text == "{":
			if inValue {
				p, _ := valuePath()
				stack = append(stack, frame{kind: 'o', path: p})
			} else {
				stack = append(stack, frame{kind: 's'})
			}
		case t.text == "[":
			p, _ := valuePath()
			stack = append(stack, frame{kind: 'l', path: p})
		case t.kind == tokNumber:
			p, _ := valuePath()
			if msg := numberLiteral(t.text); msg != "" {
				scan.number, scan.bad = numberProblem{field: p, msg: msg, line: t.line, col: t.col}, true
				return scan
			}
			if f.kind == 'a' || f.kind == 'o' {
				f.field = ""
			}
		case inValue && (t.kind == tokString || t.kind == tokName || t.kind == tokVariable):
			valuePath()
			if f.kind == 'a' || f.kind == 'o' {
				f.field = ""
			}
		}
	}
	return scan
}

// plainNumber is the syntax of a number literal the contract allows:
// GraphQL's IntValue and FloatValue without an exponent.
var plainNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// exponentNumber is a GraphQL FloatValue with an exponent.
var exponentNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?[eE][+-]?[0-9]+$`)

// numberLiteral says what is wrong with a GraphQL number literal, or "".
func numberLiteral(lit string) string {
	mantissa, _, _ := strings.Cut(strings.ToLower(lit), "e")
	switch {
	case exponentNumber.MatchString(lit):
		return fmt.Sprintf("want a plain decimal number such as 19.99, got %s (numbers take no exponent, on this API as on the REST API)", lit)
	case !plainNumber.MatchString(lit):
		return fmt.Sprintf("want a plain decimal number such as 19.99, got %s", lit)
	case !strings.Contains(mantissa, "."):
		if _, err := strconv.ParseInt(mantissa, 10, 64); err != nil {
			return fmt.Sprintf("the number %s is out of range of a GraphQL number literal: write it as a string (%q)", lit, lit)
		}
	case significant(mantissa) > 15:
		return fmt.Sprintf("the number %s has more than 15 significant digits, more than a GraphQL number literal carries exactly: write it as a string (%q)", lit, lit)
	}
	return ""
}

// significant counts the significant digits of a plain decimal.
func significant(s string) int {
	s = strings.TrimLeft(strings.ReplaceAll(strings.TrimPrefix(s, "-"), ".", ""), "0")
	return len(strings.TrimRight(s, "0"))
}

// gqlToken is a lexical token of a GraphQL document, as much as
// checkNumbers needs: names, $variables, numbers, strings and punctuators.
type gqlToken struct {
	kind      byte
	text      string
	line, col int // 1-based; columns count characters
}

const (
	tokName     = 'n'
	tokVariable = '$'
	tokNumber   = '0'
	tokString   = '"'
	tokPunct    = 'p'
)

// gqlTokens splits doc into tokens, skipping white space, commas, comments
// and the insides of strings. It never fails: what graphql-go's parser
// rejects it reads as punctuation.
func gqlTokens(doc string) []gqlToken {
	var toks []gqlToken
	line, lineStart := 1, 0
	for i := 0; i < len(doc); {
		c := doc[i]
		// Where the token starts: a block string moves line and lineStart
		// past its own newlines before the token is recorded.
		start, startLine, startLineStart := i, line, lineStart
		var kind byte
		switch {
		case c == '\n':
			i++
			line, lineStart = line+1, i
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == ',':
			i++
			continue
		case c == '#':
			for i < len(doc) && doc[i] != '\n' && doc[i] != '\r' {
				i++
			}
			continue
		case strings.HasPrefix(doc[i:], `"""`): // a block string; \""" escapes
			i += 3
			for i < len(doc) && !strings.HasPrefix(doc[i:], `"""`) {
				if strings.HasPrefix(doc[i:], `\"""`) {
					i += 3
				}
				if doc[i] == '\n' {
					line, lineStart = line+1, i+1
				}
				i++
			}
			i = min(i+3, len(doc))
			kind = tokString
		case c == '"': // a string, on one line
			for i++; i < len(doc) && doc[i] != '"' && doc[i] != '\n'; i++ {
				if doc[i] == '\\' {
					i++
				}
			}
			i = min(i+1, len(doc))
			kind = tokString
		case c == '$' || c == '_' || 'a' <= c|0x20 && c|0x20 <= 'z':
			i++
			for i < len(doc) && (doc[i] == '_' || isDigit(doc[i]) || 'a' <= doc[i]|0x20 && doc[i]|0x20 <= 'z') {
				i++
			}
			kind = tokName
			if c == '$' {
				kind = tokVariable
			}
		case c == '-' || isDigit(c) || c == '.' && i+1 < len(doc) && isDigit(doc[i+1]):
			// As much as graphql-go's scanner reads as one number (0x1F,
			// 1_000, 1., .5, 1e+5), so that numberLiteral judges all of it.
			i++
			for i < len(doc) {
				d := doc[i]
				if isDigit(d) || d == '.' || d == '_' || 'a' <= d|0x20 && d|0x20 <= 'z' ||
					(d == '+' || d == '-') && strings.IndexByte("eEpP", doc[i-1]) >= 0 {
					i++
					continue
				}
				break
			}
			kind = tokNumber
		case strings.HasPrefix(doc[i:], "..."):
			i += 3
			kind = tokPunct
		default:
			_, size := utf8.DecodeRuneInString(doc[i:])
			i += size
			kind = tokPunct
		}
		toks = append(toks, gqlToken{kind: kind, text: doc[start:i], line: startLine, col: utf8.RuneCountInString(doc[startLineStart:start]) + 1})
	}
	return toks
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// gqlVariables reads the "variables" of a request, decoded with UseNumber,
// into what graphql-go's input coercion takes: a JSON number that is a
// plain integer becomes an int64 (which Int checks for range and Decimal
// keeps exactly); any other number stays json.Number, its exact text, for
// Decimal and JSON to judge as the REST API does (an exponent is refused
// there, naming the field); Int refuses it.
func gqlVariables(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n
		}
		return v
	case map[string]any:
		for k, e := range v {
			v[k] = gqlVariables(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = gqlVariables(e)
		}
		return v
	}
	return v
}
