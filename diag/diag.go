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

// Sort orders l by file, line, column, then message, and drops exact
// duplicates (the same problem found twice by two passes).
func (l *List) Sort() {
	slices.SortStableFunc(*l, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Message, b.Message),
		)
	})
	*l = slices.CompactFunc(*l, func(a, b Diagnostic) bool {
		return a.Pos == b.Pos && a.Message == b.Message && a.Severity == b.Severity
	})
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
func Fprint(w io.Writer, l List) {
	for _, d := range l {
		fmt.Fprintln(w, d.Error())
		if d.Source == "" || d.Pos.Col < 1 {
			continue
		}
		src := strings.ReplaceAll(d.Source, "\t", " ")
		fmt.Fprintf(w, "    %s\n", src)
		// The caret goes under the rune at Col; Col counts runes from 1.
		pad := min(d.Pos.Col-1, len([]rune(src)))
		fmt.Fprintf(w, "    %s^\n", strings.Repeat(" ", pad))
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
