package gen

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// Now is the evaluation instant of generated carts: Black Friday 2026,
// 10:00 in New York. Date windows are placed around it, so that which
// campaigns are running does not depend on the clock.
var Now = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

// Timezone is the project's time zone (ruled.yaml): rule dates are days in it.
const Timezone = "America/New_York"

// Options are the knobs of a generated project. Zero values take the
// defaults documented on each field.
type Options struct {
	Rules     int     // cart rules; default 1,000
	Audiences int     // registry size; default 1,000
	Gated     float64 // share of rules gated by an audience; default 0.70
	Coupons   float64 // share of rules needing a coupon; default 0.15
	Groups    float64 // share of rules for some customer groups only; default 0.25
	Seed      uint64  // default 1
}

func (o Options) withDefaults() Options {
	if o.Rules == 0 {
		o.Rules = 1000
	}
	if o.Audiences == 0 {
		o.Audiences = 1000
	}
	if o.Gated == 0 {
		o.Gated = 0.70
	}
	if o.Coupons == 0 {
		o.Coupons = 0.15
	}
	if o.Groups == 0 {
		o.Groups = 0.25
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Project is a generated rule project.
type Project struct {
	Options Options
	Set     *rules.Set
	// Rules holds each cart rule's condition and action.items as clauses,
	// in the order of Set.CartRules.
	Rules     []Rule
	Audiences []Audience
	Catalog   *Catalog
	// SharedCoupons are the codes many coupon rules share.
	SharedCoupons []string
}

// Rule is one generated rule's condition and item selection, structured.
type Rule struct {
	ID    string
	When  []Clause   // a conjunction; empty: always
	Items []ItemPred // a conjunction; empty: every line
}

var groupChoices = [][]string{{"general", "vip"}, {"vip"}, {"wholesale"}, {"guest", "general"}, {"retailer"}, {"general"}}

var sharedCoupons = []string{"SAVE10", "SAVE15", "SAVE20", "FREESHIP", "WELCOME10", "BLACKFRIDAY", "CYBER25", "HOLIDAY",
	"GIFT15", "PODCAST25", "TRAILGUIDE", "NEWSLETTER", "SPRING", "SUMMER", "FALL", "WINTER", "VIP20", "LOYAL10", "APP5", "STUDENT"}

var subtotals = []int64{25, 50, 75, 100, 150, 200, 250, 300, 500}
var quantities = []int64{2, 3, 4, 5, 10}

// New generates a project.
func New(o Options) *Project {
	o = o.withDefaults()
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	p := &Project{Options: o, Catalog: newCatalog(r), SharedCoupons: sharedCoupons}
	set := &rules.Set{Config: rules.Config{Timezone: Timezone, Currency: "USD"}}
	for i := range o.Audiences {
		a := Audience{ID: uuid(r), Name: audienceName(i)}
		p.Audiences = append(p.Audiences, a)
		set.Audiences = append(set.Audiences, rules.Audience{ID: a.ID, Name: a.Name, Origin: rules.DefaultOrigin})
	}
	loc, _ := time.LoadLocation(Timezone)
	g := &ruleGen{r: r, p: p, loc: loc}
	for i := range o.Rules {
		cr, spec := g.rule(i)
		set.CartRules = append(set.CartRules, cr)
		p.Rules = append(p.Rules, spec)
	}
	p.Set = set
	return p
}

var audienceWords = []string{"Lapsed", "Loyal", "New", "High Value", "Bargain", "Weekend", "Urban", "Coastal", "Mountain", "Student",
	"Frequent", "Seasonal", "Gift", "Premium", "Mobile", "Email", "Returning", "Local", "Outdoor", "Family"}
var audienceNouns = []string{"Runners", "Hikers", "Climbers", "Campers", "Cyclists", "Paddlers", "Skiers", "Parents", "Commuters", "Travelers",
	"Shoppers", "Browsers", "Subscribers", "Members", "Buyers", "Abandoners", "Gifters", "Collectors", "Explorers", "Anglers",
	"Surfers", "Divers", "Walkers", "Trekkers", "Bikers", "Swimmers", "Yogis", "Hunters", "Photographers", "Backpackers",
	"Boulderers", "Kayakers", "Skaters", "Golfers", "Sailors", "Birders", "Gardeners", "Readers", "Gamers", "Dog Owners",
	"Teachers", "Nurses", "Veterans", "Seniors", "Teens", "Couples", "Newlyweds", "Movers", "Remote Workers", "Students"}

// audienceName is unique for i below 1,000 and stays unique beyond with a
// number.
func audienceName(i int) string {
	n := audienceWords[i%len(audienceWords)] + " " + audienceNouns[(i/len(audienceWords))%len(audienceNouns)]
	if round := i / (len(audienceWords) * len(audienceNouns)); round > 0 {
		n += fmt.Sprintf(" %d", round+1)
	}
	return n
}

func uuid(r *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), 0x8000|r.IntN(1<<14), r.Int64N(1<<48))
}

type ruleGen struct {
	r   *rand.Rand
	p   *Project
	loc *time.Location
}

func (g *ruleGen) pick(n int) int { return g.r.IntN(n) }

func (g *ruleGen) chance(p float64) bool { return g.r.Float64() < p }

// popular picks one of n with a skew towards the first: the popular
// categories and brands (shoes, jackets, socks) are in far more
// promotions than the long tail, so identical item predicates repeat
// across hundreds of rules.
func (g *ruleGen) popular(n int) int {
	u := g.r.Float64()
	return min(int(float64(n)*u*u), n-1)
}

func (g *ruleGen) rule(i int) (rules.CartRule, Rule) {
	o := g.p.Options
	id := fmt.Sprintf("promo-%05d", i)
	cr := rules.CartRule{ID: id, Enabled: !g.chance(0.02), Priority: g.pick(101)}
	spec := Rule{ID: id}
	cr.From, cr.To = g.window()
	if g.chance(o.Groups) {
		cr.CustomerGroups = groupChoices[g.pick(len(groupChoices))]
	}
	if g.chance(o.Coupons) {
		if g.chance(0.30) {
			cr.Coupons = []string{sharedCoupons[g.pick(len(sharedCoupons))]}
		} else {
			cr.Coupons = []string{fmt.Sprintf("P%05d", i)}
			if g.chance(0.2) {
				cr.Coupons = append(cr.Coupons, fmt.Sprintf("P%05dB", i))
			}
		}
	}

	var product []ItemPred // the products the rule promotes, if any
	switch {
	case g.chance(o.Gated):
		switch u := g.r.Float64(); {
		case u < 0.8:
			spec.When = append(spec.When, Clause{Kind: InAudience, Audiences: []Audience{g.audience()}})
		case u < 0.9:
			a, b := g.audience(), g.audience()
			for b == a {
				b = g.audience()
			}
			spec.When = append(spec.When, Clause{Kind: InAudience, Audiences: []Audience{a, b}})
		default:
			spec.When = append(spec.When, Clause{Kind: NotInAudience, Audiences: []Audience{g.audience()}})
			product = g.product()
		}
		if product == nil && g.chance(0.5) {
			product = g.category()
		}
	default:
		product = g.product()
	}
	if product != nil {
		switch u := g.r.Float64(); {
		case u < 0.6:
			spec.When = append(spec.When, Clause{Kind: AnyItem, Item: product})
		case u < 0.8:
			field, min := "row_total", subtotals[g.pick(len(subtotals))]
			if g.chance(0.4) {
				field, min = "qty", quantities[g.pick(len(quantities))]
			}
			spec.When = append(spec.When, Clause{Kind: SumAtLeast, Item: product, Field: field, Min: min})
		default:
			spec.When = append(spec.When, Clause{Kind: CountAtLeast, Item: product, Min: int64(1 + g.pick(2))})
		}
	}
	switch u := g.r.Float64(); {
	case u < 0.35:
		spec.When = append(spec.When, Clause{Kind: CartAtLeast, Field: "subtotal", Min: subtotals[g.pick(len(subtotals))]})
	case u < 0.5:
		spec.When = append(spec.When, Clause{Kind: CartAtLeast, Field: "total_qty", Min: quantities[g.pick(len(quantities))]})
	case u < 0.6:
		spec.When = append(spec.When, Clause{Kind: ShipsTo, Values: []string{"US", "CA"}[:1+g.pick(2)]})
	}
	switch {
	case product != nil && g.chance(0.8):
		spec.Items = product
	case g.chance(0.3):
		spec.Items = []ItemPred{{Kind: InCategory, Value: departments[g.pick(len(departments))]}}
	}
	cr.When = rules.Expr{Text: Condition(spec.When)}
	cr.Action = g.action(spec.Items)
	cr.StopFurtherRules = g.chance(0.10)
	cr.Name, cr.Label = g.names(i, &cr)
	return cr, spec
}

func (g *ruleGen) audience() Audience { return g.p.Audiences[g.pick(len(g.p.Audiences))] }

// category is a leaf or department category, sometimes with a brand or a
// price floor: the item predicates audience rules discount.
func (g *ruleGen) category() []ItemPred {
	c := g.p.Catalog
	var ps []ItemPred
	if g.chance(0.3) {
		ps = append(ps, ItemPred{Kind: InCategory, Value: c.Departments[g.pick(len(c.Departments))]})
	} else {
		ps = append(ps, ItemPred{Kind: InCategory, Value: c.Leaves[g.popular(len(c.Leaves))]})
	}
	switch u := g.r.Float64(); {
	case u < 0.15:
		ps = append(ps, ItemPred{Kind: BrandIs, Value: c.Brands[g.pick(len(c.Brands))]})
	case u < 0.25:
		ps = append(ps, ItemPred{Kind: PriceAtLeast, Min: []int64{20, 50, 100}[g.pick(3)]})
	case u < 0.35:
		ps = append(ps, ItemPred{Kind: QtyAtLeast, Min: quantities[g.pick(3)]})
	}
	return ps
}

// product names specific products: a few SKUs, a brand in a leaf
// category, or a colourway of a brand: the promotions that are not aimed
// at an audience.
func (g *ruleGen) product() []ItemPred {
	c := g.p.Catalog
	switch u := g.r.Float64(); {
	case u < 0.5:
		skus := make([]string, 1+g.pick(4))
		for i := range skus {
			skus[i] = c.Products[g.pick(len(c.Products))].SKU
		}
		return []ItemPred{{Kind: SKUIn, Values: skus}}
	case u < 0.85:
		return []ItemPred{{Kind: BrandIs, Value: c.Brands[g.popular(len(c.Brands))]}, {Kind: InCategory, Value: c.Leaves[g.popular(len(c.Leaves))]}}
	default:
		return []ItemPred{{Kind: BrandIs, Value: c.Brands[g.pick(len(c.Brands))]}, {Kind: ColorIs, Value: c.Colors[g.pick(len(c.Colors))]}}
	}
}

// window places the rule in time around Now: 40% always on, 25% past,
// 15% future, 20% running now (a quarter of those with one open end).
func (g *ruleGen) window() (from, to rules.Bound) {
	now := rules.DateOf(Now, g.loc)
	day := func(offset int) rules.Bound {
		t := now.In(time.UTC).AddDate(0, 0, offset)
		return rules.Bound{Date: rules.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}}
	}
	switch u := g.r.Float64(); {
	case u < 0.40:
		return rules.Bound{}, rules.Bound{}
	case u < 0.65: // ended 1..700 days ago, ran 1..60 days
		end := -1 - g.pick(700)
		return day(end - g.pick(60)), day(end)
	case u < 0.80: // starts 1..200 days from now
		start := 1 + g.pick(200)
		return day(start), day(start + g.pick(60))
	case u < 0.85:
		return day(-g.pick(90)), rules.Bound{}
	case u < 0.90:
		return rules.Bound{}, day(g.pick(60))
	default:
		return day(-g.pick(30)), day(g.pick(30))
	}
}

var percents = []int64{5, 10, 10, 15, 15, 20, 25, 30}
var fixed = []int64{1, 2, 5, 10, 15, 20}
var cartAmounts = []int64{5, 10, 15, 20, 25, 50}

func (g *ruleGen) action(items []ItemPred) rules.Action {
	a := rules.Action{Items: rules.Expr{Text: ItemCondition(items)}}
	switch u := g.r.Float64(); {
	case u < 0.40:
		a.Type, a.Amount = rules.ByPercent, money.FromInt(percents[g.pick(len(percents))])
		if g.chance(0.2) {
			a.MaxQty = money.FromInt(int64(1 + g.pick(4)))
		}
		if g.chance(0.1) {
			a.Step = money.FromInt(2)
		}
		a.ApplyToShipping = g.chance(0.15)
	case u < 0.60:
		a.Type, a.Amount = rules.ByFixed, money.FromInt(fixed[g.pick(len(fixed))])
		if g.chance(0.3) {
			a.MaxQty = money.FromInt(int64(1 + g.pick(4)))
		}
	case u < 0.80:
		a.Type, a.Amount = rules.CartFixed, money.FromInt(cartAmounts[g.pick(len(cartAmounts))])
		a.ApplyToShipping = g.chance(0.1)
	case u < 0.90:
		a.Type, a.Step, a.Amount = rules.BuyXGetY, money.FromInt(int64(1+g.pick(3))), money.One
		if g.chance(0.3) {
			a.MaxQty = money.FromInt(int64(2 + g.pick(4)))
		}
	default: // free shipping only: a 0% by_percent rule, as in Magento
		a.Type, a.Amount = rules.ByPercent, money.Zero
		a.FreeShipping = rules.FreeShippingShipment
		if items != nil && g.chance(0.5) {
			a.FreeShipping = rules.FreeShippingMatching
		}
	}
	if a.Type != rules.CartFixed && a.FreeShipping == "" && g.chance(0.05) {
		a.FreeShipping = rules.FreeShippingMatching
	}
	return a
}

func (g *ruleGen) names(i int, cr *rules.CartRule) (name, label string) {
	what := "everything"
	if !cr.Action.Items.IsZero() {
		what = "selected items"
	}
	switch cr.Action.Type {
	case rules.ByPercent:
		if cr.Action.Amount.IsZero() {
			label = "Free shipping"
		} else {
			label = fmt.Sprintf("%s%% off %s", cr.Action.Amount, what)
		}
	case rules.ByFixed:
		label = fmt.Sprintf("$%s off each of %s", cr.Action.Amount, what)
	case rules.CartFixed:
		label = fmt.Sprintf("$%s off your order", cr.Action.Amount)
	case rules.BuyXGetY:
		label = fmt.Sprintf("Buy %s get %s free", cr.Action.Step, cr.Action.Amount)
	}
	name = fmt.Sprintf("Campaign %05d - %s", i, label)
	return name, label
}

// Count reports how many rules satisfy f; for tests and doc checks.
func (p *Project) Count(f func(*rules.CartRule, *Rule) bool) int {
	n := 0
	for i := range p.Set.CartRules {
		if f(&p.Set.CartRules[i], &p.Rules[i]) {
			n++
		}
	}
	return n
}
