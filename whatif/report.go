package whatif

// Report is what a rule change does to a corpus. Money is written as
// decimal strings with the currency's digits.
type Report struct {
	// Base and Head name the two rule sets (a directory or a revision).
	Base string `json:"base"`
	Head string `json:"head"`
	// Corpus names the carts (a file or a directory).
	Corpus string `json:"corpus"`
	// At is the instant every cart was evaluated at (RFC 3339), or empty
	// when each used its own "now".
	At string `json:"at,omitempty"`
	// Carts counts the corpus lines; Evaluated those both sets priced;
	// Changed those whose result differs in any way (rules, amounts,
	// totals, free shipping, coupon, blocks, or priced by one set only).
	Carts     int `json:"carts"`
	Evaluated int `json:"evaluated"`
	Changed   int `json:"changed"`
	// Skipped counts carts that could not be evaluated by one set or both;
	// Skips lists the first of them in corpus order.
	Skipped int    `json:"skipped"`
	Skips   []Skip `json:"skips,omitempty"`
	// Totals are the money totals, one per currency, by code.
	Totals []Totals `json:"totals"`
	// Rules lists the rules whose application changed, in order of
	// the absolute change of their discount, largest first.
	Rules []RuleChange `json:"rules"`
	// Increases are the carts whose discount grew the most, largest first.
	Increases []CartChange `json:"largest_increases"`
	// Blocks lists the placements whose chosen blocks changed for a cart.
	Blocks []PlacementChange `json:"blocks"`
}

// HasChanges reports whether any cart's result changed.
func (r *Report) HasChanges() bool { return r.Changed > 0 }

// Skip is a cart one rule set or both could not evaluate.
type Skip struct {
	Cart string `json:"cart"`
	// Side is base, head, both, or corpus for a line that is not a cart.
	Side  string `json:"side"`
	Error string `json:"error"`
}

// Totals are the money of the carts in one currency.
type Totals struct {
	Currency string `json:"currency"`
	Carts    int    `json:"carts"`
	Subtotal string `json:"subtotal"`
	// DiscountBefore and DiscountAfter are the discounts given (shipping
	// discounts included); Delta is after − before.
	DiscountBefore string `json:"discount_before"`
	DiscountAfter  string `json:"discount_after"`
	Delta          string `json:"delta"`
	// ShareBefore and ShareAfter are the discounts as a percentage of the
	// subtotal, to two places.
	ShareBefore string `json:"share_before"`
	ShareAfter  string `json:"share_after"`
	// GrandTotalChanged counts carts whose grand total differs;
	// DiscountUp and DiscountDown those whose discount grew or shrank.
	GrandTotalChanged int `json:"grand_total_changed"`
	DiscountUp        int `json:"discount_up"`
	DiscountDown      int `json:"discount_down"`
}

// RuleChange is what changed for one rule.
type RuleChange struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Status is "added" or "removed" for a rule in one set only, else "".
	Status string `json:"status,omitempty"`
	// NewlyApplies and StopsApplying count the carts it applies to only
	// after, or only before, the change; AmountChanged those it applies to
	// in both with a different discount.
	NewlyApplies  int `json:"newly_applies"`
	StopsApplying int `json:"stops_applying"`
	AmountChanged int `json:"amount_changed"`
	// Discount is what the rule gave over all carts, per currency: the
	// currencies where it moved, or all when it moved in none.
	Discount []Amounts `json:"discount"`
}

// Amounts is one currency's money before and after the change.
type Amounts struct {
	Currency string `json:"currency"`
	Before   string `json:"before"`
	After    string `json:"after"`
	Delta    string `json:"delta"`
}

// CartChange is one cart whose discount grew, with why.
type CartChange struct {
	Cart           string   `json:"cart"`
	Currency       string   `json:"currency"`
	Subtotal       string   `json:"subtotal"`
	DiscountBefore string   `json:"discount_before"`
	DiscountAfter  string   `json:"discount_after"`
	Increase       string   `json:"increase"`
	GrandBefore    string   `json:"grand_total_before"`
	GrandAfter     string   `json:"grand_total_after"`
	RulesBefore    []string `json:"rules_before"`
	RulesAfter     []string `json:"rules_after"`
	// Why explains every rule whose outcome differs for this cart.
	Why []RuleWhy `json:"why"`
}

// RuleWhy is one rule's outcome for a cart before and after the change.
type RuleWhy struct {
	Rule   string  `json:"rule"`
	Before Outcome `json:"before"`
	After  Outcome `json:"after"`
}

// Outcome is a rule's explanation for one cart (see engine.Explanation).
// Status is "absent" when the rule is not in that set.
type Outcome struct {
	Status   string   `json:"status"`
	Reason   string   `json:"reason,omitempty"`
	Discount string   `json:"discount,omitempty"`
	Clauses  []string `json:"clauses,omitempty"`
}

// PlacementChange is a placement whose chosen blocks changed.
type PlacementChange struct {
	Placement string `json:"placement"`
	// Carts counts the carts that asked for it; Changed those whose
	// blocks differ.
	Carts   int `json:"carts"`
	Changed int `json:"changed"`
	// Changes are the most frequent before → after choices (block ids in
	// order), most carts first.
	Changes []BlockChange `json:"changes"`
}

// BlockChange is one change of chosen blocks and how many carts saw it.
type BlockChange struct {
	Before []string `json:"before"`
	After  []string `json:"after"`
	Carts  int      `json:"carts"`
}
