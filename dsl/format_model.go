package dsl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/ruled/ruled/rules"
)

// PrintRules writes a Doc as a .rules file in canonical layout (see
// FormatRules): the opening comment, the audiences, the rules, each with
// its comments above it, and the foot. It is how other formats convert to
// .rules: every field of the model has a form (see ruleSettings), and
// ParseRules reads the output back into the same model, positions aside.
//
// Placements and blocks follow the rules (see placementSettings and
// blockSettings for their forms).
//
// Settings are written in one order (label, disabled, websites, groups,
// active, priority, coupon, when, the discount, max qty, step, apply to
// shipping, free shipping, on items where, stop further rules), defaults
// left out. A model no .rules file can hold is an error: an unknown action
// type or free-shipping mode (rules.Validate reports those).
func PrintRules(d *Doc) ([]byte, error) {
	var b strings.Builder
	comments := func(c string) {
		for l := range strings.Lines(c) {
			l = strings.TrimRight(l, "\r\n")
			if !strings.HasPrefix(l, "#") {
				l = "# " + l
			}
			b.WriteString(l + "\n")
		}
	}
	if d.Comment != "" {
		comments(d.Comment)
		b.WriteString("\n")
	}
	for i := range d.Audiences {
		if i < len(d.AudienceComments) {
			comments(d.AudienceComments[i])
		}
		printAudience(&b, &d.Audiences[i])
		b.WriteString("\n")
	}
	for i := range d.CartRules {
		if i < len(d.RuleComments) {
			comments(d.RuleComments[i])
		}
		if err := printRule(&b, &d.CartRules[i]); err != nil {
			return nil, err
		}
		b.WriteString("\n")
	}
	for i := range d.Placements {
		if i < len(d.PlacementComments) {
			comments(d.PlacementComments[i])
		}
		printPlacement(&b, &d.Placements[i])
		b.WriteString("\n")
	}
	for i := range d.Blocks {
		if i < len(d.BlockComments) {
			comments(d.BlockComments[i])
		}
		printBlock(&b, &d.Blocks[i])
		b.WriteString("\n")
	}
	comments(d.Foot)
	out, diags := FormatRules("", []byte(b.String()))
	if diags.HasErrors() {
		return nil, fmt.Errorf("print rules: %w", diags.Err())
	}
	// A condition that does not parse is written as it is, and may run on
	// into the next line; say so rather than write something else.
	back, _ := ParseRules("", out)
	if len(back.CartRules) != len(d.CartRules) || len(back.Blocks) != len(d.Blocks) {
		return nil, fmt.Errorf("print rules: the output does not read back")
	}
	for i := range d.Blocks {
		if !EqualConditions(d.Blocks[i].When.Text, back.Blocks[i].When.Text) {
			return nil, fmt.Errorf("block %s: a condition that does not parse cannot be written as it is: fix it first", d.Blocks[i].ID)
		}
	}
	for i := range d.CartRules {
		r, s := &d.CartRules[i], &back.CartRules[i]
		if !EqualConditions(r.When.Text, s.When.Text) || !EqualConditions(r.Action.Items.Text, s.Action.Items.Text) {
			return nil, fmt.Errorf("rule %s: a condition that does not parse cannot be written as it is: fix it first", r.ID)
		}
	}
	return out, nil
}

func printAudience(b *strings.Builder, a *rules.Audience) {
	var body []string
	if a.Description != "" {
		body = append(body, "description "+strconv.Quote(a.Description))
	}
	if a.Origin != "" && a.Origin != rules.DefaultOrigin {
		body = append(body, "origin "+strconv.Quote(a.Origin))
	}
	if !a.Updated.IsZero() {
		body = append(body, "updated "+a.Updated.Format(time.RFC3339Nano))
	}
	if !a.Removed.IsZero() {
		body = append(body, "removed "+a.Removed.Format(time.RFC3339Nano))
	}
	printDecl(b, "audience", a.ID, a.Name, body)
}

func printPlacement(b *strings.Builder, p *rules.Placement) {
	var body []string
	if p.Rotation != "" && p.Rotation != rules.RotateAll {
		body = append(body, "rotation "+code(string(p.Rotation)))
	}
	if p.Limit != 0 {
		body = append(body, "limit "+strconv.Itoa(p.Limit))
	}
	printDecl(b, "placement", p.ID, p.Name, body)
}

// printBlock writes a block in the order of blockSettings' comment.
// Content read from a content file is not written, the file is; content
// written inline (Fields["content"]) is, even beside a file, so that
// rules.Validate still reports the conflict.
func printBlock(b *strings.Builder, k *rules.Block) {
	var body []string
	add := func(format string, args ...any) { body = append(body, fmt.Sprintf(format, args...)) }
	if !k.Enabled {
		add("disabled")
	}
	if len(k.Websites) > 0 {
		add("websites %s", codes(k.Websites))
	}
	if len(k.CustomerGroups) > 0 {
		add("groups %s", codes(k.CustomerGroups))
	}
	switch {
	case !k.From.IsZero() && !k.To.IsZero():
		add("active %s .. %s", bound(k.From), bound(k.To))
	case !k.From.IsZero():
		add("active from %s", bound(k.From))
	case !k.To.IsZero():
		add("active until %s", bound(k.To))
	}
	if k.Priority != 0 {
		add("priority %d", k.Priority)
	}
	if !k.When.IsZero() {
		add("when %s", conditionText(k.When.Text))
	}
	if len(k.RelatedRules) > 0 {
		add("related rules %s", codes(k.RelatedRules))
	}
	if k.ContentFile != "" {
		add("content file %s", quoteContent(k.ContentFile))
	}
	if _, inline := k.Fields["content"]; k.Content != "" && (k.ContentFile == "" || inline) {
		add("content %s", quoteContent(k.Content))
	}
	if len(k.Data) > 0 {
		add("data %s", DataText(k.Data))
	}
	head := fmt.Sprintf("%s %s", code(k.ID), strconv.Quote(k.Name))
	if k.Placement != "" {
		head += " in " + code(k.Placement)
	}
	printHead(b, "block", head, body)
}

// quoteContent quotes text for a .rules file: in single quotes when it holds
// double quotes and no single ones (HTML reads better so), else in double.
func quoteContent(s string) string {
	q := strconv.Quote(s)
	if strings.Contains(s, `"`) && !strings.Contains(s, "'") {
		return "'" + strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`) + "'"
	}
	return q
}

func printDecl(b *strings.Builder, kind, id, name string, body []string) {
	printHead(b, kind, code(id)+" "+strconv.Quote(name), body)
}

func printHead(b *strings.Builder, kind, head string, body []string) {
	fmt.Fprintf(b, "%s %s", kind, head)
	if len(body) == 0 {
		b.WriteString("\n")
		return
	}
	b.WriteString(" {\n")
	for _, l := range body {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("}\n")
}

func printRule(b *strings.Builder, r *rules.CartRule) error {
	var body []string
	add := func(format string, args ...any) { body = append(body, fmt.Sprintf(format, args...)) }
	if r.Label != "" {
		add("label %s", strconv.Quote(r.Label))
	}
	if !r.Enabled {
		add("disabled")
	}
	if len(r.Websites) > 0 {
		add("websites %s", codes(r.Websites))
	}
	if len(r.CustomerGroups) > 0 {
		add("groups %s", codes(r.CustomerGroups))
	}
	switch {
	case !r.From.IsZero() && !r.To.IsZero():
		add("active %s .. %s", bound(r.From), bound(r.To))
	case !r.From.IsZero():
		add("active from %s", bound(r.From))
	case !r.To.IsZero():
		add("active until %s", bound(r.To))
	}
	if r.Priority != 0 {
		add("priority %d", r.Priority)
	}
	cs := r.Coupons
	if r.GeneratedCoupons {
		cs = append(slices.Clip(cs), rules.GeneratedCode)
	}
	switch len(cs) {
	case 0:
	case 1:
		add("coupon %s", codes(cs))
	default:
		add("coupons %s", codes(cs))
	}
	if r.UsesPerCoupon != 0 {
		add("uses per coupon %d", r.UsesPerCoupon)
	}
	if r.UsesPerCustomer != 0 {
		add("uses per customer %d", r.UsesPerCustomer)
	}
	switch b := r.Budget; {
	case !b.Amount.IsZero() && b.Redemptions != 0:
		add("budget %s and %d redemptions", b.Amount, b.Redemptions)
	case !b.Amount.IsZero():
		add("budget %s", b.Amount)
	case b.Redemptions != 0:
		add("budget %d redemptions", b.Redemptions)
	}
	if !r.When.IsZero() {
		add("when %s", conditionText(r.When.Text))
	}
	a := &r.Action
	line := ""
	switch a.Type {
	case rules.ByPercent:
		if !a.Amount.IsZero() || (a.FreeShipping != rules.FreeShippingMatching && a.FreeShipping != rules.FreeShippingShipment) {
			line = fmt.Sprintf("discount %s%%", a.Amount)
		}
	case rules.ByFixed:
		line = fmt.Sprintf("discount %s per unit", a.Amount)
	case rules.CartFixed:
		line = fmt.Sprintf("discount %s per cart", a.Amount)
	case rules.BuyXGetY:
		line = fmt.Sprintf("buy %s get %s free", a.Step, a.Amount)
	case "":
	default:
		return fmt.Errorf("rule %s: action type %q has no .rules form: want one of by_percent, by_fixed, cart_fixed, buy_x_get_y", r.ID, a.Type)
	}
	items := ""
	if !a.Items.IsZero() {
		items = "on items where " + conditionText(a.Items.Text)
	}
	if line != "" {
		if items != "" {
			line += " " + items
			items = ""
		}
		add("%s", line)
	}
	if !a.MaxQty.IsZero() {
		add("max qty %s", a.MaxQty)
	}
	if !a.Step.IsZero() && a.Type != rules.BuyXGetY {
		add("step %s", a.Step)
	}
	if a.ApplyToShipping {
		add("apply to shipping")
	}
	switch a.FreeShipping {
	case "":
	case rules.NoFreeShipping:
		add("no free shipping")
	case rules.FreeShippingMatching:
		add("free shipping for matching items")
	case rules.FreeShippingShipment:
		add("free shipping for the shipment")
	default:
		return fmt.Errorf("rule %s: free shipping %q has no .rules form: want one of none, matching_items, shipment", r.ID, a.FreeShipping)
	}
	if items != "" {
		add("%s", items)
	}
	if r.StopFurtherRules {
		add("stop further rules")
	}
	printDecl(b, "rule", r.ID, r.Name, body)
	return nil
}

// conditionText writes a condition so that it reads back whole: in its
// canonical form, or as written when it does not parse (the engine will
// say why), its lines kept.
func conditionText(src string) string {
	lines, err := FormatCondition(src, 1)
	if err != nil {
		lines = trimmedLines(src)
	}
	return strings.Join(lines, "\n")
}

func bound(b rules.Bound) string {
	if !b.Date.IsZero() {
		return b.Date.String()
	}
	return b.Instant.Format(time.RFC3339Nano)
}

func codes(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = code(s)
	}
	return strings.Join(out, ", ")
}

// code writes an id or code bare when it reads back as one word, else in
// quotes.
func code(s string) string {
	if s == "" || strings.EqualFold(s, "when") || strings.EqualFold(s, "where") {
		return strconv.Quote(s)
	}
	toks, err := lexer.ConsumeAll(mustLexRules(s))
	if err != nil || len(toks) != 2 || (toks[0].Type != tokWord && toks[0].Type != tokTime) || toks[0].Value != s {
		return strconv.Quote(s)
	}
	return s
}
