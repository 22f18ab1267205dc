package opa

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/ruled/ruled/bench/gen"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// Engine is a generated project compiled to a prepared Rego query.
type Engine struct {
	query rego.PreparedEvalQuery
}

// New translates p to Rego and prepares the query data.ruled.match.
func New(ctx context.Context, p *gen.Project) (*Engine, error) {
	src, err := Module(p)
	if err != nil {
		return nil, err
	}
	q, err := rego.New(rego.Query("data.ruled.match"), rego.Module("ruled.rego", src)).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("opa: prepare: %w", err)
	}
	return &Engine{query: q}, nil
}

// Match appends to dst the ids of the rules that match c, in no
// particular order.
func (e *Engine) Match(ctx context.Context, c *engine.Cart, dst []string) ([]string, error) {
	rs, err := e.query.Eval(ctx, rego.EvalInput(Input(c)))
	if err != nil {
		return dst, fmt.Errorf("opa: eval: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return dst, fmt.Errorf("opa: eval: want one result, got %d", len(rs))
	}
	ids, ok := rs[0].Expressions[0].Value.([]any)
	if !ok {
		return dst, fmt.Errorf("opa: eval: match is %T, not a set", rs[0].Expressions[0].Value)
	}
	for _, id := range ids {
		dst = append(dst, id.(string))
	}
	return dst, nil
}

// Input is the Rego input document for a cart.
func Input(c *engine.Cart) map[string]any {
	member := make(map[string]any, len(c.Segments))
	for _, id := range c.Segments {
		member[id] = true
	}
	items := make([]any, len(c.Items))
	var subtotal, qty money.Decimal
	for i, it := range c.Items {
		row := c.Currency.Round(it.Price.Mul(it.Qty))
		subtotal, qty = subtotal.Add(row), qty.Add(it.Qty)
		cats := make([]any, len(it.Categories))
		for j, cat := range it.Categories {
			cats[j] = fold(cat)
		}
		attrs := make(map[string]any, len(it.Attributes))
		for _, a := range it.Attributes {
			attrs[a.Name] = fold(a.Str)
		}
		items[i] = map[string]any{"sku": fold(it.SKU), "qty": fixed(it.Qty), "price": fixed(it.Price),
			"row_total": fixed(row), "categories": cats, "attributes": attrs}
	}
	website := c.Website
	if strings.TrimSpace(website) == "" {
		website = engine.DefaultWebsite
	}
	group := c.Customer.Group
	if strings.TrimSpace(group) == "" {
		group = engine.DefaultGroup
	}
	return map[string]any{
		"now":      c.Now.Unix(),
		"website":  fold(website),
		"customer": map[string]any{"group": fold(group)},
		"coupon":   fold(strings.TrimSpace(c.CouponCode)),
		"member":   member,
		"cart":     map[string]any{"subtotal": fixed(subtotal), "total_qty": fixed(qty)},
		"shipping": map[string]any{"country": fold(c.Shipping.Country)},
		"items":    items,
	}
}

// scale is ruled's fixed-point scale for numbers in conditions (dsl.Scale).
const scale = 10000

func fixed(d money.Decimal) int64 {
	v, _ := d.Round(4).Scaled(4)
	return v
}

func fold(s string) string { return strings.ToLower(s) }

// Module translates a generated project's cart rules to Rego: the same
// filters (enabled, website, customer group, date window, coupon) and the
// same condition, clause for clause.
func Module(p *gen.Project) (string, error) {
	loc, err := time.LoadLocation(p.Set.Config.Timezone)
	if err != nil {
		return "", fmt.Errorf("opa: %w", err)
	}
	var b strings.Builder
	b.WriteString("package ruled\n")
	for i := range p.Set.CartRules {
		cr, spec := &p.Set.CartRules[i], &p.Rules[i]
		if !cr.Enabled {
			continue
		}
		fmt.Fprintf(&b, "\nmatch contains %q if {\n", cr.ID)
		head := b.Len()
		if len(cr.Websites) > 0 {
			fmt.Fprintf(&b, "\tinput.website in %s\n", set(cr.Websites))
		}
		if len(cr.CustomerGroups) > 0 {
			fmt.Fprintf(&b, "\tinput.customer.group in %s\n", set(cr.CustomerGroups))
		}
		from, to := window(cr.From, cr.To, loc)
		if !from.IsZero() {
			fmt.Fprintf(&b, "\tinput.now >= %d\n", from.Unix())
		}
		if !to.IsZero() {
			fmt.Fprintf(&b, "\tinput.now < %d\n", to.Unix())
		}
		if len(cr.Coupons) > 0 {
			fmt.Fprintf(&b, "\tinput.coupon in %s\n", set(cr.Coupons))
		}
		for k, c := range spec.When {
			if err := clause(&b, c, k); err != nil {
				return "", fmt.Errorf("opa: rule %s: %w", cr.ID, err)
			}
		}
		if b.Len() == head { // a body may not be empty
			b.WriteString("\ttrue\n")
		}
		b.WriteString("}\n")
	}
	return b.String(), nil
}

func clause(b *strings.Builder, c gen.Clause, k int) error {
	v := "it" + strconv.Itoa(k)
	switch c.Kind {
	case gen.InAudience:
		if len(c.Audiences) == 1 {
			fmt.Fprintf(b, "\tinput.member[%q]\n", c.Audiences[0].ID)
			return nil
		}
		ids := make([]string, len(c.Audiences))
		for i, a := range c.Audiences {
			ids[i] = a.ID
		}
		fmt.Fprintf(b, "\tsome a%d in %s\n\tinput.member[a%d]\n", k, set(ids), k)
	case gen.NotInAudience:
		fmt.Fprintf(b, "\tnot input.member[%q]\n", c.Audiences[0].ID)
	case gen.CartAtLeast:
		fmt.Fprintf(b, "\tinput.cart.%s >= %d\n", c.Field, c.Min*scale)
	case gen.AnyItem:
		fmt.Fprintf(b, "\tsome %s in input.items\n", v)
		for _, p := range c.Item {
			fmt.Fprintf(b, "\t%s\n", pred(v, p))
		}
	case gen.SumAtLeast:
		fmt.Fprintf(b, "\tsum([%s.%s | some %s in input.items; %s]) >= %d\n", v, c.Field, v, preds(v, c.Item), c.Min*scale)
	case gen.CountAtLeast:
		fmt.Fprintf(b, "\tcount([%s | some %s in input.items; %s]) >= %d\n", v, v, preds(v, c.Item), c.Min)
	case gen.ShipsTo:
		fmt.Fprintf(b, "\tinput.shipping.country in %s\n", set(c.Values))
	default:
		return fmt.Errorf("no Rego for clause kind %d", c.Kind)
	}
	return nil
}

func preds(v string, ps []gen.ItemPred) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = pred(v, p)
	}
	return strings.Join(out, "; ")
}

func pred(v string, p gen.ItemPred) string {
	switch p.Kind {
	case gen.InCategory:
		return fmt.Sprintf("%q in %s.categories", fold(p.Value), v)
	case gen.SKUIn:
		return fmt.Sprintf("%s.sku in %s", v, set(p.Values))
	case gen.BrandIs:
		return fmt.Sprintf("%s.attributes.brand == %q", v, fold(p.Value))
	case gen.ColorIs:
		return fmt.Sprintf("%s.attributes.color == %q", v, fold(p.Value))
	case gen.PriceAtLeast:
		return fmt.Sprintf("%s.price >= %d", v, p.Min*scale)
	case gen.QtyAtLeast:
		return fmt.Sprintf("%s.qty >= %d", v, p.Min*scale)
	}
	return "false"
}

// set writes a Rego set of folded strings.
func set(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(fold(strings.TrimSpace(s)))
	}
	return "{" + strings.Join(q, ", ") + "}"
}

// window is the engine's: dates are whole days in the project's zone,
// inclusive, so the window is [from, day after to).
func window(f, t rules.Bound, loc *time.Location) (from, to time.Time) {
	switch {
	case !f.Date.IsZero():
		from = f.Date.In(loc)
	case !f.Instant.IsZero():
		from = f.Instant
	}
	switch {
	case !t.Date.IsZero():
		to = t.Date.In(loc).AddDate(0, 0, 1)
	case !t.Instant.IsZero():
		to = t.Instant.Add(time.Second)
	}
	return from, to
}
