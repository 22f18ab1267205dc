package scan

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// Matcher holds a rule set's conditions, compiled.
type Matcher struct {
	rules     []rule
	audiences []dsl.Audience
	byID      map[string]int
	machines  sync.Pool
}

type rule struct {
	id       string
	enabled  bool
	websites map[string]bool
	groups   map[string]bool
	coupons  map[string]bool
	from, to time.Time // [from, to); zero ends are open
	when     *dsl.Program
}

// New compiles every rule's condition of set.
func New(set *rules.Set) (*Matcher, error) {
	loc := time.UTC
	if set.Config.Timezone != "" {
		var err error
		if loc, err = time.LoadLocation(set.Config.Timezone); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
	}
	m := &Matcher{byID: map[string]int{}}
	m.machines.New = func() any { return new(dsl.Machine) }
	for _, a := range set.Audiences {
		m.byID[a.ID] = len(m.audiences)
		m.audiences = append(m.audiences, dsl.Audience{ID: a.ID, Name: a.Name})
	}
	for i := range set.CartRules {
		cr := &set.CartRules[i]
		r := rule{id: cr.ID, enabled: cr.Enabled, websites: fold(cr.Websites), groups: fold(cr.CustomerGroups), coupons: fold(cr.Coupons)}
		r.from, r.to = window(cr.From, cr.To, loc)
		if !cr.When.IsZero() {
			p, errs := dsl.Compile(cr.When.Text, dsl.Options{Audiences: m.audiences})
			if len(errs) > 0 {
				return nil, fmt.Errorf("scan: rule %s: %s", cr.ID, errs[0].Msg)
			}
			r.when = p
		}
		m.rules = append(m.rules, r)
	}
	return m, nil
}

// Match appends to dst the ids of the rules whose filters and condition
// hold for c at c.Now (which must be set), in rule-set order.
func (m *Matcher) Match(c *engine.Cart, dst []string) ([]string, error) {
	env, err := m.env(c)
	if err != nil {
		return dst, err
	}
	website, group, coupon := env.Website, env.Customer.Group, env.Coupon
	boxed := any(env)
	vm := m.machines.Get().(*dsl.Machine)
	defer m.machines.Put(vm)
	for i := range m.rules {
		r := &m.rules[i]
		switch {
		case !r.enabled,
			r.websites != nil && !r.websites[website],
			r.groups != nil && !r.groups[group],
			!r.from.IsZero() && c.Now.Before(r.from),
			!r.to.IsZero() && !c.Now.Before(r.to),
			r.coupons != nil && !r.coupons[coupon]:
			continue
		}
		if r.when != nil {
			ok, err := vm.Eval(r.when, boxed)
			if err != nil || !ok {
				continue
			}
		}
		dst = append(dst, r.id)
	}
	return dst, nil
}

// env builds the condition environment as the engine does for an
// evaluation: strings folded, numbers fixed-point, membership by registry
// index.
func (m *Matcher) env(c *engine.Cart) (dsl.Env, error) {
	env := dsl.Env{
		Customer: dsl.CustomerEnv{ID: dsl.Fold(c.Customer.ID), Group: dsl.Fold(orDefault(c.Customer.Group, engine.DefaultGroup))},
		Coupon:   dsl.Fold(strings.TrimSpace(c.CouponCode)),
		Shipping: dsl.ShippingEnv{Method: dsl.Fold(c.Shipping.Method), Country: dsl.Fold(c.Shipping.Country),
			Region: dsl.Fold(c.Shipping.Region), Postcode: dsl.Fold(c.Shipping.Postcode)},
		Payment: dsl.PaymentEnv{Method: dsl.Fold(c.Payment.Method)},
		Website: dsl.Fold(orDefault(c.Website, engine.DefaultWebsite)),
		Items:   make([]*dsl.ItemEnv, len(c.Items)),
		Member:  make([]bool, len(m.audiences)),
	}
	var bad error
	number := func(d money.Decimal) int {
		n, ok := dsl.Number(d)
		if !ok && bad == nil {
			bad = fmt.Errorf("scan: %s is out of range", d)
		}
		return n
	}
	var subtotal, qty, weight money.Decimal
	for i, it := range c.Items {
		row := c.Currency.Round(it.Price.Mul(it.Qty))
		rowWeight := it.Weight.Mul(it.Qty)
		subtotal, qty, weight = subtotal.Add(row), qty.Add(it.Qty), weight.Add(rowWeight)
		ie := &dsl.ItemEnv{SKU: dsl.Fold(it.SKU), Name: dsl.Fold(it.Name),
			Qty: number(it.Qty), Price: number(it.Price), RowTotal: number(row), Weight: number(it.Weight), RowWeight: number(rowWeight),
			Categories: make([]string, len(it.Categories)), Attrs: make(map[string]dsl.Value, len(it.Attributes))}
		for j, cat := range it.Categories {
			ie.Categories[j] = dsl.Fold(cat)
		}
		for _, a := range it.Attributes {
			ie.Attrs[a.Name] = attrValue(a.Attr)
		}
		env.Items[i] = ie
	}
	env.Cart = dsl.CartEnv{Subtotal: number(subtotal), TotalQty: number(qty), Weight: number(weight),
		LineCount: len(c.Items) * 10000, Currency: dsl.Fold(c.Currency.Code)}
	env.Shipping.Amount = number(c.Shipping.Amount)
	for _, id := range c.Segments {
		if i, ok := m.byID[id]; ok {
			env.Member[i] = true
		}
	}
	return env, bad
}

func attrValue(a engine.Attr) dsl.Value {
	switch {
	case a.IsList:
		return dsl.ListValue(a.List)
	case a.IsBool:
		return dsl.BoolValue(a.Bool)
	case a.IsNum:
		v, _ := dsl.NumberValue(a.Num)
		return v
	}
	return dsl.StringValue(a.Str)
}

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
		to = t.Instant.Add(time.Nanosecond)
	}
	return from, to
}

func fold(l []string) map[string]bool {
	if len(l) == 0 {
		return nil
	}
	m := make(map[string]bool, len(l))
	for _, s := range l {
		m[dsl.Fold(strings.TrimSpace(s))] = true
	}
	return m
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
