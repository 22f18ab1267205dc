package rules

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
)

// Set is a whole rule project: what the loader read from a rules directory.
type Set struct {
	Config    Config
	Audiences []Audience
	CartRules []CartRule
	// Placements and Blocks are the dynamic-block targeting.
	Placements []Placement
	Blocks     []Block
	// Files lists every file the set was read from, relative to the rules
	// directory, sorted.
	Files []string
	// Sources holds the lines of every file read, so that diagnostics found
	// later (while compiling conditions) can show the offending line.
	Sources diag.Sources
}

// Config is the optional ruled.yaml at the root of a rules directory.
type Config struct {
	// Timezone is the IANA zone in which rule dates are days; "" means UTC.
	Timezone string
	// Currency is the ISO 4217 code carts are in by default; "" means USD.
	Currency string
	// WebsiteCurrencies names the currency of websites that price in
	// another one (website code → ISO 4217 code). The fixed amounts of
	// rules are in the currency of the cart's website, as Magento's are in
	// the website's base currency.
	WebsiteCurrencies map[string]string
	// Membership says how a shopper's segment membership and customer
	// group are trusted.
	Membership Membership
	// Guardrails cap what the rules together may take off a cart.
	Guardrails Guardrails
	// Fields holds the position of each key that was set ("membership.
	// signing.leeway" for nested keys).
	Fields map[string]diag.Pos
}

// Membership is the membership section of ruled.yaml.
type Membership struct {
	// Signing, when set, makes the membership header or cookie a signed
	// token (JWT); unsigned values then count as no membership.
	Signing *Signing
	// TrustBody is whether a request body's segments and customer.group
	// are taken; nil means true (a trusted back end calls ruled).
	TrustBody *bool
}

// BodyTrusted reports whether request bodies may state segments and the
// customer group.
func (m Membership) BodyTrusted() bool { return m.TrustBody == nil || *m.TrustBody }

// Signing says where the keys of signed membership are.
type Signing struct {
	// SecretEnv names the environment variable holding the HS256 shared
	// secret (two secrets separated by white space while rotating).
	SecretEnv string
	// JWKSFile is a JSON Web Key Set of public keys (RS256, ES256, EdDSA),
	// relative to the rules directory when not absolute.
	JWKSFile string
	// Leeway is the clock skew allowed on a token's exp.
	Leeway time.Duration
	// Issuer, when set, is the iss every token must carry.
	Issuer string
	// Audience, when set, must be among every token's aud values.
	Audience string
}

// Guardrail caps the total discount of one cart; a nil field is no cap.
type Guardrail struct {
	MaxPercent *money.Decimal // of the cart subtotal, 0 to 100
	MaxAmount  *money.Decimal // in the currency of the cart's website
}

// IsZero reports whether g caps nothing.
func (g Guardrail) IsZero() bool { return g.MaxPercent == nil && g.MaxAmount == nil }

// Guardrails are the project's cap and its overrides. An override replaces
// the project's cap whole: a customer group's wins over a website's.
type Guardrails struct {
	Guardrail
	Websites       map[string]Guardrail
	CustomerGroups map[string]Guardrail
}

// For returns the cap of a cart of website and customer group.
func (g *Guardrails) For(website, group string) Guardrail {
	if o, ok := g.CustomerGroups[group]; ok {
		return o
	}
	if o, ok := g.Websites[website]; ok {
		return o
	}
	return g.Guardrail
}

// DefaultOrigin is the origin of an audience that does not state one.
const DefaultOrigin = "Experience Platform"

// Audience is one entry of the audience registry (audiences.yaml): a
// customer-data-platform segment that rules may name.
type Audience struct {
	ID          string // the CDP segment id, a UUID in practice
	Name        string // what rules say: audience("VIP Shoppers")
	Description string
	Origin      string    // "Experience Platform" unless stated
	Updated     time.Time // the dashboard's Last Modified; zero if unknown
	// Removed is when the CDP stopped activating the audience to this
	// store while a rule or block still named it, so that the import kept
	// it; zero while it is activated. Rules naming it still compile (the
	// shopper's membership decides), and the dashboard flags them.
	Removed time.Time
	Pos     diag.Pos
	Fields  map[string]diag.Pos
}

// CartRule is one cart price rule.
type CartRule struct {
	ID               string
	Name             string
	Label            string // customer-facing; defaults to Name
	Enabled          bool
	Websites         []string // empty: every website
	CustomerGroups   []string // empty: every group
	From, To         Bound    // inclusive on both ends
	Priority         int      // lower runs first
	StopFurtherRules bool
	Coupons          []string // empty: no coupon needed (unless GeneratedCoupons)
	// GeneratedCoupons makes the rule accept the codes of its generated
	// pool (ruled coupons generate|import) beside Coupons.
	GeneratedCoupons bool
	// UsesPerCoupon caps how many placed orders may use one code of the
	// rule; 0 is no limit.
	UsesPerCoupon int
	// UsesPerCustomer caps how many placed orders of one logged-in
	// customer the rule applies to; guests are not limited, as in Magento.
	// 0 is no limit.
	UsesPerCustomer int
	// Budget caps the rule's total over all placed orders.
	Budget Budget
	When   Expr // empty: always
	Action Action
	// Pos is where the rule starts; Fields holds the position of each key's
	// value, by key name ("action.amount" for nested keys).
	Pos    diag.Pos
	Fields map[string]diag.Pos
}

// Budget is a campaign cap over all placed orders; the zero Budget is none.
type Budget struct {
	// Amount is the total discount the rule may give, in the project's
	// currency; zero is no cap.
	Amount money.Decimal
	// Redemptions is how many orders the rule may apply to; 0 is no cap.
	Redemptions int
}

// IsZero reports whether the budget sets no cap.
func (b Budget) IsZero() bool { return b.Amount.IsZero() && b.Redemptions == 0 }

// NeedsCoupon reports whether the rule applies only with a code.
func (r *CartRule) NeedsCoupon() bool { return len(r.Coupons) > 0 || r.GeneratedCoupons }

// Limited reports whether the rule has a usage limit or a budget: whether
// its evaluation reads the usage store.
func (r *CartRule) Limited() bool {
	return r.UsesPerCoupon > 0 || r.UsesPerCustomer > 0 || !r.Budget.IsZero() || r.GeneratedCoupons
}

// GeneratedCode is how rule files name the generated pool among a rule's
// coupon codes: coupon: generated.
const GeneratedCode = "generated"

// FieldPos returns the position of the named field's value, or of the rule
// when the field was not written.
func (r *CartRule) FieldPos(name string) diag.Pos {
	if p, ok := r.Fields[name]; ok {
		return p
	}
	return r.Pos
}

// DisplayLabel is the label shown to customers.
func (r *CartRule) DisplayLabel() string {
	if r.Label != "" {
		return r.Label
	}
	return r.Name
}

// ActionType is what a rule's discount does.
type ActionType string

// The four actions of a cart price rule.
const (
	ByPercent ActionType = "by_percent"  // percent of each matching line
	ByFixed   ActionType = "by_fixed"    // fixed amount off each matching unit
	CartFixed ActionType = "cart_fixed"  // fixed amount for the whole cart
	BuyXGetY  ActionType = "buy_x_get_y" // buy step (X), get amount (Y) free
)

// ActionTypes lists the valid action types, for messages.
var ActionTypes = []ActionType{ByPercent, ByFixed, CartFixed, BuyXGetY}

// FreeShipping is a rule's free-shipping mode.
type FreeShipping string

// Free-shipping modes.
const (
	NoFreeShipping       FreeShipping = "none"
	FreeShippingMatching FreeShipping = "matching_items"
	FreeShippingShipment FreeShipping = "shipment"
)

// FreeShippingModes lists the valid modes, for messages.
var FreeShippingModes = []FreeShipping{NoFreeShipping, FreeShippingMatching, FreeShippingShipment}

// Action is the discount a rule gives.
type Action struct {
	Type ActionType
	// Amount is the percent (by_percent), the amount per unit (by_fixed), the
	// amount for the cart (cart_fixed) or Y, the free units (buy_x_get_y).
	Amount money.Decimal
	// MaxQty caps the units of each line the rule discounts; 0 is no cap.
	MaxQty money.Decimal
	// Step rounds the discounted qty down to a multiple of it (by_percent,
	// by_fixed); it is X for buy_x_get_y; cart_fixed ignores it.
	Step            money.Decimal
	ApplyToShipping bool
	FreeShipping    FreeShipping
	// Items selects the lines that get the discount; empty means all lines.
	Items Expr
}

// Expr is a condition written in the condition language, with enough
// position information to map any byte of it back to the rule file.
type Expr struct {
	Text string
	// Pos is the position of Text's first byte.
	Pos diag.Pos
	// Offsets, when not nil, holds the position of every byte of Text (for
	// text that spans lines or was unescaped from a quoted scalar). When nil,
	// Text sits on one line starting at Pos.
	Offsets []diag.Pos
}

// IsZero reports whether no condition was written.
func (e Expr) IsZero() bool { return e.Text == "" }

// PosAt returns the file position of byte offset off of Text.
func (e Expr) PosAt(off int) diag.Pos {
	if e.Offsets != nil {
		switch {
		case off < 0:
			return e.Pos
		case off < len(e.Offsets):
			return e.Offsets[off]
		case len(e.Offsets) > 0:
			p := e.Offsets[len(e.Offsets)-1]
			p.Col += off - len(e.Offsets) + 1
			return p
		}
		return e.Pos
	}
	p := e.Pos
	if p.Line > 0 && off > 0 {
		// Columns count runes; a byte inside a rune is at the rune's column.
		if off < len(e.Text) {
			for off > 0 && !utf8.RuneStart(e.Text[off]) {
				off--
			}
			p.Col += utf8.RuneCountInString(e.Text[:off])
		} else {
			p.Col += utf8.RuneCountInString(e.Text) + off - len(e.Text)
		}
	}
	return p
}

// Bound is one end of a rule's date window: a calendar day in the project's
// time zone, or an exact instant. The zero Bound is open.
type Bound struct {
	Date    Date
	Instant time.Time
}

// IsZero reports whether the bound is open.
func (b Bound) IsZero() bool { return b.Date.IsZero() && b.Instant.IsZero() }

// String writes the bound as it is written in rule files.
func (b Bound) String() string {
	switch {
	case !b.Date.IsZero():
		return b.Date.String()
	case !b.Instant.IsZero():
		return b.Instant.Format(time.RFC3339)
	}
	return ""
}

// Date is a calendar day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a YYYY-MM-DD day.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date: want YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// String writes d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// In returns the instant d starts in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// DateOf returns the calendar day of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, dd := t.In(loc).Date()
	return Date{y, m, dd}
}
