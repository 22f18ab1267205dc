package whatif

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// JSON writes the report as indented JSON, for tools.
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Text writes the report for a terminal.
func Text(w io.Writer, r *Report) error {
	p := &printer{w: w}
	p.f("%s\n", headline(r))
	p.f("base %s, changed %s, corpus %s, %s\n", r.Base, r.Head, r.Corpus, instant(r))
	for _, t := range r.Totals {
		p.f("\n%s: %s, subtotal %s\n", t.Currency, carts(t.Carts), t.Subtotal)
		p.f("  discount %s → %s (%s), %s%% → %s%% of subtotal\n", t.DiscountBefore, t.DiscountAfter, signed(t.Delta), t.ShareBefore, t.ShareAfter)
		p.f("  grand total changed: %s (discount up %d, down %d)\n", carts(t.GrandTotalChanged), t.DiscountUp, t.DiscountDown)
	}
	if len(r.Rules) > 0 {
		p.f("\nrules:\n")
		for _, rc := range r.Rules {
			p.f("  %s%s: newly applies %d, stops applying %d, amount changed %d; discount %s\n",
				rc.ID, status(rc.Status), rc.NewlyApplies, rc.StopsApplying, rc.AmountChanged, amounts(rc.Discount))
		}
	}
	if len(r.Increases) > 0 {
		p.f("\nlargest increases:\n")
		for _, c := range r.Increases {
			p.f("  %s: +%s %s (discount %s → %s, grand total %s → %s)\n", c.Cart, c.Increase, c.Currency, c.DiscountBefore, c.DiscountAfter, c.GrandBefore, c.GrandAfter)
			for _, y := range c.Why {
				p.f("      %s: %s → %s\n", y.Rule, outcome(y.Before), outcome(y.After))
			}
		}
	}
	if len(r.Blocks) > 0 {
		p.f("\ndynamic blocks:\n")
		for _, b := range r.Blocks {
			p.f("  %s: %d of %d carts\n", b.Placement, b.Changed, b.Carts)
			for _, c := range b.Changes {
				p.f("      [%s] → [%s]: %s\n", strings.Join(c.Before, ", "), strings.Join(c.After, ", "), carts(c.Carts))
			}
		}
	}
	skips(p, r, "\nskipped %d carts:\n", "  %s (%s): %s\n")
	return p.err
}

// Markdown writes the report as a pull-request comment.
func Markdown(w io.Writer, r *Report) error {
	p := &printer{w: w}
	p.f("### ruled diff: %s\n\n", headline(r))
	p.f("Base `%s`, changed `%s`, corpus `%s`, %s.\n", r.Base, r.Head, r.Corpus, instant(r))
	if len(r.Totals) > 0 {
		p.f("\n| currency | carts | subtotal | discount before | discount after | change | share of subtotal | grand total changed |\n")
		p.f("|---|---:|---:|---:|---:|---:|---|---:|\n")
		for _, t := range r.Totals {
			p.f("| %s | %d | %s | %s | %s | %s | %s%% → %s%% | %d |\n", t.Currency, t.Carts, t.Subtotal, t.DiscountBefore, t.DiscountAfter, signed(t.Delta), t.ShareBefore, t.ShareAfter, t.GrandTotalChanged)
		}
	}
	if len(r.Rules) > 0 {
		p.f("\n#### Rules\n\n| rule | newly applies | stops applying | amount changed | discount |\n|---|---:|---:|---:|---|\n")
		for _, rc := range r.Rules {
			p.f("| `%s` %s%s | %d | %d | %d | %s |\n", rc.ID, mdEscape(rc.Name), status(rc.Status), rc.NewlyApplies, rc.StopsApplying, rc.AmountChanged, amounts(rc.Discount))
		}
	}
	if len(r.Increases) > 0 {
		p.f("\n#### Largest increases\n\n")
		for _, c := range r.Increases {
			p.f("<details><summary><code>%s</code>: +%s %s (discount %s → %s, grand total %s → %s)</summary>\n\n",
				mdEscape(c.Cart), c.Increase, c.Currency, c.DiscountBefore, c.DiscountAfter, c.GrandBefore, c.GrandAfter)
			p.f("Rules before: %s; after: %s.\n\n", codeList(c.RulesBefore), codeList(c.RulesAfter))
			for _, y := range c.Why {
				p.f("- `%s`: %s → %s\n", y.Rule, mdEscape(outcome(y.Before)), mdEscape(outcome(y.After)))
			}
			p.f("\n</details>\n")
		}
	}
	if len(r.Blocks) > 0 {
		p.f("\n#### Dynamic blocks\n\n| placement | carts changed | of carts | most frequent changes |\n|---|---:|---:|---|\n")
		for _, b := range r.Blocks {
			var cs []string
			for _, c := range b.Changes {
				cs = append(cs, fmt.Sprintf("%s → %s (%d)", codeList(c.Before), codeList(c.After), c.Carts))
			}
			p.f("| `%s` | %d | %d | %s |\n", b.Placement, b.Changed, b.Carts, strings.Join(cs, "<br>"))
		}
	}
	skips(p, r, "\n#### Skipped carts: %d\n\n", "- `%s` (%s): %s\n")
	return p.err
}

func headline(r *Report) string {
	if !r.HasChanges() {
		return fmt.Sprintf("no change in %d carts", r.Carts)
	}
	return fmt.Sprintf("%d of %d carts change", r.Changed, r.Carts)
}

func instant(r *Report) string {
	if r.At == "" {
		return "each cart at its own instant"
	}
	return "every cart at " + r.At
}

func skips(p *printer, r *Report, head, line string) {
	if r.Skipped == 0 {
		return
	}
	p.f(head, r.Skipped)
	for _, s := range r.Skips {
		p.f(line, s.Cart, s.Side, s.Error)
	}
	if n := r.Skipped - len(r.Skips); n > 0 {
		p.f("  and %d more\n", n)
	}
}

func carts(n int) string {
	if n == 1 {
		return "1 cart"
	}
	return fmt.Sprintf("%d carts", n)
}

func status(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func amounts(as []Amounts) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, fmt.Sprintf("%s %s → %s (%s)", a.Currency, a.Before, a.After, signed(a.Delta)))
	}
	return strings.Join(parts, "; ")
}

func outcome(o Outcome) string {
	s := o.Status
	if o.Discount != "" && o.Status == "applied" {
		s += " " + o.Discount
	} else if o.Reason != "" {
		s += ": " + o.Reason
	}
	if len(o.Clauses) > 0 {
		s += " [false: " + strings.Join(o.Clauses, "; ") + "]"
	}
	return s
}

func signed(d string) string {
	if strings.HasPrefix(d, "-") {
		return d
	}
	return "+" + d
}

func codeList(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return "`" + strings.Join(ids, "`, `") + "`"
}

var mdEscaper = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "`", "'", "*", `\*`, "_", `\_`, "\n", " ")

// mdEscape keeps text from breaking a table or turning into markup.
func mdEscape(s string) string { return mdEscaper.Replace(s) }

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
