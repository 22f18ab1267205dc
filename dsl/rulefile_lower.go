package dsl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// Doc is a .rules file read into the rule model.
type Doc struct {
	// Comment is the comment block that opens the file, when a blank line
	// separates it from the first declaration. Lines keep their "#".
	Comment    string
	Audiences  []rules.Audience
	CartRules  []rules.CartRule
	Placements []rules.Placement
	Blocks     []rules.Block
	// AudienceComments, RuleComments, PlacementComments and BlockComments
	// hold, for each declaration of their kind, the comments written above
	// it and inside it, in order ("" for none).
	AudienceComments, RuleComments, PlacementComments, BlockComments []string
	// Foot is the comments after the last declaration.
	Foot string
	// Lines are the file's lines without line breaks, for diag.Sources.
	Lines []string
	// Unread holds the positions of values that could not be read: the
	// model holds a default there, and what rules.Validate says about that
	// default is noise.
	Unread []diag.Pos
}

// ParseRules reads a .rules file into the rule model. name is how the file
// is named in positions. Every problem is reported, positioned, with a
// stable code: syntax (the shape of the file: braces, quotes, characters),
// unknown-declaration, unknown-setting, duplicate-setting, invalid-value,
// invalid-number, invalid-date, missing-field, invalid-encoding and
// file-too-large. Conditions are not compiled: they are handed on as text
// with positions, as the YAML loader does. The Doc is never nil.
func ParseRules(name string, data []byte) (*Doc, diag.List) {
	s := newSource(name, data)
	doc := &Doc{Lines: s.sourceLines()}
	f, d := s.parse()
	if d != nil {
		return doc, diag.List{*d}
	}
	lw := &lowerer{src: s}
	for _, dc := range f.Decls {
		lw.decl(dc, doc)
	}
	doc.Unread = lw.unread
	attachComments(s, f, doc)
	return doc, lw.diags
}

// lowerer turns declarations into the rule model, collecting problems.
type lowerer struct {
	src    *source
	diags  diag.List
	unread []diag.Pos
}

func (lw *lowerer) errorf(a *arg, code, format string, args ...any) {
	lw.diags.Add(lw.src.at(a.tok.Pos), code, format, args...)
}

// declKinds are the declarations of a .rules file.
var declKinds = []string{"rule", "audience", "placement", "block"}

func (lw *lowerer) decl(d *decl, doc *Doc) {
	kind := strings.ToLower(d.Kind.tok.Value)
	switch {
	case kind == "rule":
		d.Kind.kw = true
		doc.CartRules = append(doc.CartRules, lw.rule(d))
	case kind == "audience":
		d.Kind.kw = true
		doc.Audiences = append(doc.Audiences, lw.audience(d))
	case kind == "placement":
		d.Kind.kw = true
		doc.Placements = append(doc.Placements, lw.placement(d))
	case kind == "block":
		d.Kind.kw = true
		doc.Blocks = append(doc.Blocks, lw.block(d))
	default:
		lw.errorf(d.Kind, "unknown-declaration", "unknown declaration %s%s a .rules file declares rules, audiences, placements and blocks, e.g. rule vip-shoes \"VIP: 50%% off shoes\" { ... }",
			quoteShort(d.Kind.tok.Value), suggestion(d.Kind.tok.Value, declKinds))
	}
}

// suggestion is the part of a message between the unknown word and the
// list of what is allowed.
func suggestion(word string, allowed []string) string {
	if len(word) <= 64 {
		if s := diag.DidYouMean(word, allowed); s != "" {
			return s
		}
	}
	return ";"
}

// header reads "ID "Name"" after a declaration's kind.
func (lw *lowerer) header(d *decl, what string, fields map[string]diag.Pos) (id, name string) {
	usage := fmt.Sprintf(`write %s ID "Name" { ... }`, what)
	if len(d.Args) == 0 {
		lw.errorf(d.Kind, "missing-field", "%s has no id: %s", what, usage)
		return "", ""
	}
	a := d.Args[0]
	switch a.tok.Type {
	case tokWord, tokTime:
		id = a.tok.Value
	case tokString:
		id, _ = lw.text(a)
	default:
		lw.errorf(a, "invalid-value", "unexpected %s where the %s's id goes: %s", quoteShort(a.tok.Value), what, usage)
		return "", ""
	}
	fields["id"] = lw.src.at(a.tok.Pos)
	if len(d.Args) < 2 {
		return id, ""
	}
	a = d.Args[1]
	if a.tok.Type != tokString {
		lw.errorf(a, "invalid-value", "the %s's name goes in quotes after its id: %s", what, usage)
		return id, ""
	}
	name, _ = lw.text(a)
	fields["name"] = lw.src.at(a.tok.Pos)
	if len(d.Args) > 2 {
		lw.errorf(d.Args[2], "invalid-value", "unexpected %s after the %s's name: %s", quoteShort(d.Args[2].tok.Value), what, usage)
	}
	return id, name
}

// text reads a quoted string argument.
func (lw *lowerer) text(a *arg) (string, bool) {
	s, err := unquoteString(a.tok.Value)
	if err != nil {
		lw.errorf(a, "invalid-value", "invalid escape in %s: write \\\" for a quote and \\\\ for a backslash", shorten(a.tok.Value))
		return "", false
	}
	return s, true
}

func (lw *lowerer) audience(d *decl) rules.Audience {
	a := rules.Audience{Pos: lw.src.at(d.Pos), Fields: map[string]diag.Pos{}}
	a.ID, a.Name = lw.header(d, "audience", a.Fields)
	if d.Body != nil {
		seen := map[string]diag.Pos{}
		for _, st := range d.Body.Settings {
			lw.audienceSetting(st, &a, seen)
		}
	}
	if a.Origin == "" {
		a.Origin = rules.DefaultOrigin
	}
	return a
}

var audienceSettings = []string{"description", "origin", "updated", "removed"}

func (lw *lowerer) audienceSetting(st *setting, a *rules.Audience, seen map[string]diag.Pos) {
	w, ok := lw.line(st, audienceSettings, "an audience", strings.Join(audienceSettings, ", "))
	if !ok {
		return
	}
	if !w.noClause() {
		return
	}
	if !w.once(w.name, seen) {
		return
	}
	switch w.name {
	case "description":
		a.Description, _ = w.quoted("description", a.Fields)
	case "origin":
		a.Origin, _ = w.quoted("origin", a.Fields)
	case "updated", "removed":
		if v := w.value(w.name, "a time such as 2026-09-28T06:12:44Z"); v != nil {
			s := v.tok.Value
			if v.tok.Type == tokString {
				s, _ = lw.text(v)
			}
			a.Fields[w.name] = lw.src.at(v.tok.Pos)
			t, _ := w.instant(v, s)
			if w.name == "updated" {
				a.Updated = t
			} else {
				a.Removed = t
			}
		}
	}
	w.end()
}

// line is a cursor over a setting's arguments.
type line struct {
	lw    *lowerer
	st    *setting
	name  string // the setting's keyword, lower case
	i     int
	diags int // problems reported before this setting
}

// settingNames name settings in messages by their first words.
var settingNames = map[string]string{
	"buy": "buy ... get ... free", "on": "on items where", "max": "max qty", "apply": "apply to shipping",
	"free": "free shipping", "no": "no free shipping", "stop": "stop further rules", "related": "related rules",
}

// what names the setting in messages.
func (w *line) what() string {
	if n, ok := settingNames[w.name]; ok {
		return n
	}
	return w.name
}

// line starts reading a setting: it checks the keyword against the
// allowed ones; help lists them for the message about an unknown one.
func (lw *lowerer) line(st *setting, allowed []string, in, help string) (*line, bool) {
	w := &line{lw: lw, st: st, diags: len(lw.diags)}
	if len(st.Args) == 0 {
		// A line that is only a condition: rules take "when" (and report
		// a lone "where" themselves).
		w.name = strings.ToLower(st.Cond.Intro)
		if !slices.Contains(allowed, w.name) && !slices.Contains(allowed, "on") {
			lw.diags.Add(lw.src.at(st.Pos), "unknown-setting", "unexpected %q in %s: it takes no condition; settings are %s", st.Cond.Intro, in, help)
			return nil, false
		}
	} else {
		first := st.Args[0]
		w.name = strings.ToLower(first.tok.Value)
		if first.tok.Type != tokWord || !slices.Contains(allowed, w.name) {
			lw.errorf(first, "unknown-setting", "unknown setting %s in %s%s settings are %s",
				quoteShort(first.tok.Value), in, suggestion(first.tok.Value, allowed), help)
			return nil, false
		}
		first.kw = true
		w.i = 1
	}
	return w, true
}

// once reports a setting written twice for the same field.
func (w *line) once(field string, seen map[string]diag.Pos) bool {
	p := w.lw.src.at(w.st.Pos)
	if first, dup := seen[field]; dup {
		what, ok := fieldWords[field]
		if !ok {
			what = strings.TrimPrefix(field, "action.")
		}
		w.lw.diags.Add(p, "duplicate-setting", "%s is already set at %s: write it once", what, first)
		return false
	}
	seen[field] = p
	return true
}

// fieldWords name fields in messages about settings written twice.
var fieldWords = map[string]string{
	"action":                   "the discount (discount, buy ... get ... free)",
	"action.step":              "step (buy X get Y free sets it to X)",
	"action.items":             "the items condition (on items where)",
	"action.max_qty":           "max qty",
	"action.apply_to_shipping": "apply to shipping",
	"action.free_shipping":     "free shipping",
	"customer_groups":          "groups",
	"stop_further_rules":       "stop further rules",
	"enabled":                  "enabled / disabled",
	"related_rules":            "related rules",
	"content_file":             "content file",
}

func (w *line) peek() *arg {
	if w.i < len(w.st.Args) {
		return w.st.Args[w.i]
	}
	return nil
}

func (w *line) next() *arg {
	a := w.peek()
	if a != nil {
		w.i++
	}
	return a
}

// is reports whether the next argument is the word kw, and takes it.
func (w *line) is(kw string) bool {
	a := w.peek()
	if a == nil || !strings.EqualFold(a.tok.Value, kw) || (a.tok.Type != tokWord && kw != "%" && kw != "..") {
		return false
	}
	a.kw = true
	w.i++
	return true
}

// expect takes the words kws, in order, or reports what was found.
func (w *line) expect(usage string, kws ...string) bool {
	for _, kw := range kws {
		if w.is(kw) {
			continue
		}
		w.unexpected(usage, kw)
		return false
	}
	return true
}

// unexpected reports the argument under the cursor (or the end of the
// line) where one of the words in want was expected.
func (w *line) unexpected(usage string, want ...string) {
	a := w.peek()
	if a == nil {
		w.lw.diags.Add(w.endPos(), "invalid-value", "%s ends too early: write %s", w.what(), usage)
		return
	}
	sep := ":"
	if hint := diag.DidYouMean(a.tok.Value, want); hint != "" {
		sep = hint
	}
	w.lw.errorf(a, "invalid-value", "unexpected %s in %s%s write %s", quoteShort(a.tok.Value), w.what(), sep, usage)
}

// endPos is the position just after the setting's last argument.
func (w *line) endPos() diag.Pos {
	if len(w.st.Args) == 0 {
		return w.lw.src.at(w.st.Pos)
	}
	last := w.st.Args[len(w.st.Args)-1]
	return w.lw.src.pos(last.tok.Pos.Offset + len(last.tok.Value))
}

// end reports arguments left over, unless the setting already had a
// problem.
func (w *line) end() {
	if a := w.peek(); a != nil && len(w.lw.diags) == w.diags {
		w.lw.errorf(a, "invalid-value", "unexpected %s at the end of %s", quoteShort(a.tok.Value), w.what())
	}
}

// noClause reports a condition where the setting takes none.
func (w *line) noClause() bool {
	if c := w.st.Cond; c != nil {
		w.lw.diags.Add(w.lw.src.at(c.Pos), "invalid-value", "unexpected %q: %s takes no condition", c.Intro, w.what())
		return false
	}
	return true
}

// value takes the next argument, which must be there.
func (w *line) value(what, want string) *arg {
	a := w.next()
	if a == nil {
		w.lw.diags.Add(w.endPos(), "invalid-value", "%s needs %s", what, want)
	}
	return a
}

// quoted reads a quoted text setting.
func (w *line) quoted(field string, fields map[string]diag.Pos) (string, bool) {
	a := w.value(w.name, "text in quotes")
	if a == nil {
		return "", false
	}
	fields[field] = w.lw.src.at(a.tok.Pos)
	if a.tok.Type != tokString {
		w.lw.errorf(a, "wrong-type", "%s takes text in quotes: %s \"...\"", w.name, w.name)
		w.unreadable(a)
		return "", false
	}
	return w.lw.text(a)
}

func (w *line) unreadable(a *arg) { w.lw.unread = append(w.lw.unread, w.lw.src.at(a.tok.Pos)) }

// list reads comma-separated codes: words or quoted strings.
func (w *line) list(field string, fields map[string]diag.Pos, what string) []string {
	var out []string
	for {
		a := w.peek()
		if a == nil {
			after := ""
			if len(out) > 0 {
				after = " after the comma"
			}
			w.lw.diags.Add(w.endPos(), "invalid-value", "%s needs %s%s", w.name, what, after)
			return out
		}
		w.i++
		if len(out) == 0 {
			fields[field] = w.lw.src.at(a.tok.Pos)
		}
		switch a.tok.Type {
		case tokWord, tokTime:
			out = append(out, a.tok.Value)
		case tokString:
			s, _ := w.lw.text(a)
			out = append(out, s)
		default:
			w.lw.errorf(a, "invalid-value", "unexpected %s in %s: expected %s (in quotes when it has spaces or symbols)", quoteShort(a.tok.Value), w.name, what)
			return out
		}
		sep := w.peek()
		if sep == nil {
			return out
		}
		if sep.tok.Value != "," {
			w.lw.errorf(sep, "invalid-value", "unexpected %s in %s: separate them with commas", quoteShort(sep.tok.Value), w.name)
			return out
		}
		w.i++
	}
}

// number reads a decimal: digits with an optional fraction, optionally
// negative (rules.Validate says whether the sign makes sense).
func (w *line) number(field string, fields map[string]diag.Pos, what string) (money.Decimal, bool) {
	a := w.value(w.name, what)
	if a == nil {
		return money.Zero, false
	}
	fields[field] = w.lw.src.at(a.tok.Pos)
	text := a.tok.Value
	if text == "-" {
		if b := w.peek(); b != nil && b.tok.Type == tokWord {
			w.i++
			text += b.tok.Value
		}
	}
	d, err := money.Parse(text)
	if err != nil {
		w.lw.errorf(a, "invalid-number", "%s %s is not a number: want digits with an optional fraction, such as 10 or 19.99", w.name, quoteShort(text))
		w.unreadable(a)
		return money.Zero, false
	}
	return d, true
}
