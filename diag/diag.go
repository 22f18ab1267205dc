package diag

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Pos is a position in a source file. Line and Col are 1-based; a zero Line
// means the position is unknown (the whole file, or no file at all).
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// String formats p as "file:line:col", leaving out the parts that are unknown.
func (p Pos) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return "-"
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// IsValid reports whether p names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Severity tells errors from warnings. Errors stop a rule set from loading;
// warnings are printed but do not.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText renders the severity as "error" or "warning".
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is one problem found in a rule project.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	// Code is a stable, kebab-case name for the kind of problem
	// ("unknown-audience", "duplicate-rule-id"), for tools and tests.
	Code string `json:"code"`
	// Message is lower-case, says what was found and what was expected, and
	// carries a "did you mean" where one is cheap.
	Message string `json:"message"`
	// Source is the text of the line Pos points at, without its newline, when
	// it is known. The printer draws a caret under Pos.Col.
	Source string `json:"source,omitempty"`
}

// Error formats the diagnostic as "file:line:col: message".
func (d Diagnostic) Error() string {
	if d.Severity == Warning {
		return d.Pos.String() + ": warning: " + d.Message
	}
	return d.Pos.String() + ": " + d.Message
}

// List is a collection of diagnostics. The zero value is ready to use.
type List []Diagnostic

// Add appends a diagnostic with Error severity.
func (l *List) Add(pos Pos, code, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Warn appends a diagnostic with Warning severity.
func (l *List) Warn(pos Pos, code, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic in l is an error.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Errors counts the diagnostics of Error severity.
func (l List) Errors() int {
	n := 0
	for _, d := range l {
		if d.Severity == Error {
			n++
		}
	}
	return n
}

// Compare orders positions by file, then line, then column: the order in
// which a reader meets them. It returns -1, 0 or +1.
func Compare(a, b Pos) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Col, b.Col),
	)
}

// Sort orders l by position (Compare), then message, and drops exact
// repeats: the same position, severity, code and message. Within one pass
// two diagnostics that differ in any of these are two problems ("test case
// has no name" and "test case has no cart" share a position and a code).
func (l *List) Sort() {
	slices.SortStableFunc(*l, func(a, b Diagnostic) int {
		return cmp.Or(Compare(a.Pos, b.Pos), cmp.Compare(a.Message, b.Message))
	})
	seen := make(map[problem]bool, len(*l))
	*l = slices.DeleteFunc(*l, func(d Diagnostic) bool {
		k := problem{d.Pos, d.Severity, d.Code, d.Message}
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	})
}

// problem identifies a diagnostic for deduplication.
type problem struct {
	pos      Pos
	severity Severity
	code     string
	message  string
}

// Merge joins the diagnostics of two passes that check the same things
// (the loader's and the compiler's checks of a rule set) into one sorted
// list; passes that check different things are simply appended and
// sorted. A problem both
// passes found is reported once, in the first pass's words: a diagnostic
// of more is dropped when l has one with the same position, severity and
// code (the loader and the compiler both check a currency, and say so
// differently). Merge and Sort are the only rules by which ruled
// deduplicates diagnostics. Neither argument is changed.
func Merge(l, more List) List {
	found := make(map[problem]bool, len(l))
	for _, d := range l {
		found[problem{d.Pos, d.Severity, d.Code, ""}] = true
	}
	out := append(make(List, 0, len(l)+len(more)), l...)
	for _, d := range more {
		if !found[problem{d.Pos, d.Severity, d.Code, ""}] {
			out = append(out, d)
		}
	}
	out.Sort()
	return out
}

// Error joins the diagnostics one per line, so that a List can travel as an
// error value.
func (l List) Error() string {
	var b strings.Builder
	for i, d := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// Err returns l as an error when it holds at least one error, else nil.
func (l List) Err() error {
	if l.HasErrors() {
		return l
	}
	return nil
}

// Fprint writes every diagnostic as "file:line:col: message", followed by
// the source line and a caret under the column when the source is known.
// Col counts runes from 1. The caret line copies the tabs of the source
// line before the column, so that the caret lands under the rune at any
// tab width; a column past the end of the line puts the caret just after
// its last rune (where a missing token was expected).
func Fprint(w io.Writer, l List) {
	for _, d := range l {
		fmt.Fprintln(w, d.Error())
		if d.Source == "" || d.Pos.Col < 1 {
			continue
		}
		fmt.Fprintf(w, "    %s\n", d.Source)
		var pad strings.Builder
		n := 0
		for _, r := range d.Source {
			if n == d.Pos.Col-1 {
				break
			}
			if r == '\t' {
				pad.WriteByte('\t')
			} else {
				pad.WriteByte(' ')
			}
			n++
		}
		fmt.Fprintf(w, "    %s^\n", pad.String())
	}
}

// Sources holds the lines of source files by file name, so that diagnostics
// can show the line they point at.
type Sources map[string][]string

// Line returns line n (1-based) of file, or "" when unknown.
func (s Sources) Line(file string, n int) string {
	lines := s[file]
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
}

// Attach fills the Source of every diagnostic in l that has none.
func (s Sources) Attach(l List) {
	for i := range l {
		if l[i].Source == "" {
			l[i].Source = s.Line(l[i].Pos.File, l[i].Pos.Line)
		}
	}
}
