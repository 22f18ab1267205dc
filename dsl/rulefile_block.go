package dsl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// Placements and dynamic blocks. Each YAML field has one form:
//
//	placement ID "Name" { ... }                 id, name
//	  rotation all | random | series | shuffle  rotation
//	  limit N                                   limit
//
//	block ID "Name" in PLACEMENT { ... }        id, name, placement
//	  disabled | enabled                        enabled
//	  websites CODE, ...                        websites
//	  groups CODE, ...                          customer_groups
//	  active DAY .. DAY | from DAY | until DAY  from, to
//	  priority N                                priority
//	  when CONDITION                            when
//	  related rules ID, ...                     related_rules
//	  content "TEXT"                            content
//	  content file "PATH"                       content_file
//	  data JSON                                 data
//
// data is JSON: an object or array may span lines until its brackets
// balance; numbers keep their digits (json.Number), as in YAML.
var (
	placementSettings = []string{"rotation", "limit"}
	blockSettings     = []string{
		"disabled", "enabled", "websites", "website", "groups", "group", "active", "priority",
		"when", "related", "content", "data",
	}
)

const (
	placementSettingsHelp = "rotation, limit"
	blockSettingsHelp     = "disabled, websites, groups, active, priority, when, related rules, content, content file, data"
	blockUsage            = `write block ID "Name" in PLACEMENT { ... }`
	contentUsage          = `content "<p>text</p>" or content file "content/hero.html"`
	dataUsage             = `data {"image": "/media/hero.jpg", "cta": "Shop now"}`
)

func (lw *lowerer) placement(d *decl) rules.Placement {
	p := rules.Placement{Rotation: rules.RotateAll, Pos: lw.src.at(d.Pos), Fields: map[string]diag.Pos{}}
	p.ID, p.Name = lw.header(d, "placement", p.Fields)
	if d.Body == nil {
		return p
	}
	seen := map[string]diag.Pos{}
	for _, st := range d.Body.Settings {
		w, ok := lw.line(st, placementSettings, "a placement", placementSettingsHelp)
		if !ok || !w.noClause() || !w.once(w.name, seen) {
			continue
		}
		switch w.name {
		case "rotation":
			a := w.value("rotation", "a mode: rotation all, random, series or shuffle")
			if a == nil {
				continue
			}
			p.Fields["rotation"] = lw.src.at(a.tok.Pos)
			if a.tok.Type == tokString {
				s, _ := lw.text(a)
				p.Rotation = rules.Rotation(s)
			} else {
				// rules.Validate says whether it is a mode, with a suggestion.
				p.Rotation = rules.Rotation(a.tok.Value)
			}
		case "limit":
			w.priority("limit", &p.Limit, p.Fields)
		}
		w.end()
	}
	return p
}

func (lw *lowerer) block(d *decl) rules.Block {
	b := rules.Block{Enabled: true, Pos: lw.src.at(d.Pos), Fields: map[string]diag.Pos{}}
	// The header is ID "Name" in PLACEMENT: split it at "in".
	head := *d
	if i := slices.IndexFunc(d.Args, func(a *arg) bool { return a.tok.Type == tokWord && strings.EqualFold(a.tok.Value, "in") }); i > 0 {
		head.Args = d.Args[:i]
		d.Args[i].kw = true
		lw.blockPlacement(&b, d.Args[i], d.Args[i+1:])
	}
	b.ID, b.Name = lw.header(&head, "block", b.Fields)
	if d.Body == nil {
		return b
	}
	seen := map[string]diag.Pos{}
	for _, st := range d.Body.Settings {
		lw.blockSetting(st, &b, seen)
	}
	return b
}

// blockPlacement reads the placement after "in" in a block's header.
func (lw *lowerer) blockPlacement(b *rules.Block, in *arg, rest []*arg) {
	if len(rest) == 0 {
		lw.errorf(in, "invalid-value", "in needs the placement's id: %s", blockUsage)
		return
	}
	a := rest[0]
	switch a.tok.Type {
	case tokWord, tokTime:
		b.Placement = a.tok.Value
	case tokString:
		b.Placement, _ = lw.text(a)
	default:
		lw.errorf(a, "invalid-value", "unexpected %s where the block's placement goes: %s", quoteShort(a.tok.Value), blockUsage)
		return
	}
	b.Fields["placement"] = lw.src.at(a.tok.Pos)
	if len(rest) > 1 {
		lw.errorf(rest[1], "invalid-value", "unexpected %s after the block's placement: %s", quoteShort(rest[1].tok.Value), blockUsage)
	}
}

func (lw *lowerer) blockSetting(st *setting, b *rules.Block, seen map[string]diag.Pos) {
	w, ok := lw.line(st, blockSettings, "a block", blockSettingsHelp)
	if !ok {
		return
	}
	if w.name != "when" && !w.noClause() {
		return
	}
	f := b.Fields
	switch w.name {
	case "disabled", "enabled":
		if w.once("enabled", seen) {
			b.Enabled = w.name == "enabled"
			f["enabled"] = lw.src.at(st.Pos)
		}
	case "websites", "website":
		if w.once("websites", seen) {
			b.Websites = w.list("websites", f, "a website code")
		}
	case "groups", "group":
		if w.once("customer_groups", seen) {
			b.CustomerGroups = w.list("customer_groups", f, "a customer group code")
		}
	case "active":
		if w.once("active", seen) {
			w.active(&b.From, &b.To, f)
		}
	case "priority":
		if w.once("priority", seen) {
			w.priority("priority", &b.Priority, f)
		}
	case "when":
		if w.once("when", seen) {
			b.When = w.condition("when", f)
		}
		return
	case "related":
		if w.once("related_rules", seen) && w.expect("related rules vip-15-everything, socks-buy2-get1", "rules") {
			b.RelatedRules = w.list("related_rules", f, "a cart rule id")
		}
	case "content":
		if w.is("file") {
			if w.once("content_file", seen) {
				b.ContentFile, _ = w.quoted("content_file", f)
			}
		} else if w.once("content", seen) {
			if w.peek() == nil {
				lw.diags.Add(w.endPos(), "invalid-value", "content needs text in quotes or a file: write %s", contentUsage)
				return
			}
			b.Content, _ = w.quoted("content", f)
		}
	case "data":
		if w.once("data", seen) {
			b.Data = w.data(f)
		}
		return
	}
	w.end()
}

// data reads a block's data: JSON after the word, an object or array over
// lines, or a plain value (a string in double quotes, a number, true,
// false, null) on the line.
func (w *line) data(f map[string]diag.Pos) json.RawMessage {
	lw := w.lw
	start, end := 0, 0
	switch {
	case w.st.Data != nil:
		sp := w.st.Data.dataSpan()
		start, end = sp.start, sp.end
	case w.peek() != nil:
		start = w.peek().tok.Pos.Offset
		last := w.st.Args[len(w.st.Args)-1]
		end = argEnd(last)
		w.i = len(w.st.Args)
	default:
		lw.diags.Add(w.endPos(), "invalid-value", "data needs JSON: %s", dataUsage)
		return nil
	}
	f["data"] = lw.src.pos(start)
	raw, off, err := ParseData(lw.src.text[start:end])
	if err != nil {
		lw.diags.Add(lw.src.pos(start+off), "invalid-value", "data is not JSON: %v; write %s", err, dataUsage)
		lw.unread = append(lw.unread, f["data"])
		return nil
	}
	return raw
}

// ParseData reads a block's data as JSON into the form both file formats
// give it: encoding/json's (keys sorted, no spaces), numbers as their
// decimal text (a .rules number reads as the YAML one does), null as nil.
// On error, off is the byte offset of the problem in text.
func ParseData(text string) (raw json.RawMessage, off int, err error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, max(0, int(se.Offset)-1), errors.New(strings.TrimPrefix(se.Error(), "json: "))
		}
		return nil, 0, errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, int(dec.InputOffset()), errors.New("more than one value: put them in an object or a list")
	}
	v, err = decimalNumbers(v)
	if err != nil {
		return nil, 0, err
	}
	if v == nil {
		return nil, 0, nil
	}
	raw, err = json.Marshal(v)
	return raw, 0, err
}

// decimalNumbers writes numbers as money.Decimal does, which is how the
// YAML loader reads them; a number it cannot read is an error rather than
// a value that would read differently from YAML.
func decimalNumbers(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e, err := decimalNumbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = e
		}
	case []any:
		for i, e := range x {
			e, err := decimalNumbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = e
		}
	case json.Number:
		d, err := money.Parse(string(x))
		if err != nil {
			return nil, fmt.Errorf("number %s: want digits with an optional fraction, such as 3 or 19.99, or put it in quotes", x)
		}
		return json.Number(d.String()), nil
	}
	return v, nil
}

// DataText writes JSON data on one line for a .rules file: the keys in
// their order, a space after each colon and comma, HTML characters as
// they are. Text that is not JSON is returned unchanged.
func DataText(raw []byte) string {
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return string(raw)
	}
	s := compact.String()
	var b strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			// \u003c, \u003e and \u0026 are how encoding/json escapes
			// HTML; in a .rules file they are just noise.
			if rest := s[i:]; strings.HasPrefix(rest, `\u003c`) || strings.HasPrefix(rest, `\u003e`) || strings.HasPrefix(rest, `\u0026`) {
				b.WriteByte(map[string]byte{"3c": '<', "3e": '>', "26": '&'}[rest[4:6]])
				i += 5
				continue
			}
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ':' || c == ','):
			b.WriteByte(c)
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
