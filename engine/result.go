package engine

// Result is what a cart gets. Money is written as decimal strings with the
// currency's digits; discounts are positive amounts taken off.
type Result struct {
	// AppliedRules are the rules that applied, in application order.
	AppliedRules []AppliedRule `json:"applied_rules"`
	// Items are the cart lines in input order.
	Items        []ItemResult `json:"items"`
	Totals       Totals       `json:"totals"`
	FreeShipping bool         `json:"free_shipping"`
	// Coupon is null when the cart carries no coupon code.
	Coupon *CouponResult `json:"coupon"`
	// Segments are the shopper's segment ids as received.
	Segments []string `json:"segments"`
	// Audiences are the names of the registry audiences the shopper is in.
	Audiences []string `json:"audiences"`
	// Errors are rules that failed at run time; each was skipped.
	Errors []RuleError `json:"errors"`
	// Blocks are the dynamic blocks chosen for each placement asked for,
	// by placement id.
	Blocks map[string][]BlockResult `json:"blocks,omitempty"`
	// Explain says, with Options.Explain, for every rule why it applied or
	// not, in rule order.
	Explain []Explanation `json:"explain,omitempty"`
	// Guardrail is set when the project's cap on the total discount bound
	// this cart: the cap and what it took back from which rules.
	Guardrail *GuardrailResult `json:"guardrail,omitempty"`
	// Membership says how the shopper's signed membership was judged; the
	// server sets it, and only when membership is signed.
	Membership *MembershipStatus `json:"membership,omitempty"`
}

// MembershipStatus is the fate of a signed membership value.
type MembershipStatus struct {
	// Status is a stable word: verified, absent, unsigned, malformed,
	// bad_algorithm, unknown_key, bad_signature, expired, not_yet_valid,
	// bad_claims, wrong_issuer, wrong_audience. Anything but verified is
	// no membership.
	Status string `json:"status"`
	// Reason says why membership was refused; with explain only.
	Reason string `json:"reason,omitempty"`
}

// AppliedRule is a rule that applied, with what it took off in all.
type AppliedRule struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Label    string `json:"label"`
	Discount string `json:"discount"`
	// BudgetClamped is set when the rule's amount budget had less left
	// than the rule would have given: the cart got what was left.
	BudgetClamped *BudgetClamp `json:"budget_clamped,omitempty"`
}

// ItemResult is one cart line after discounts.
type ItemResult struct {
	SKU          string   `json:"sku"`
	Qty          string   `json:"qty"`
	Price        string   `json:"price"`
	RowTotal     string   `json:"row_total"`
	Discount     string   `json:"discount"`
	AppliedRules []string `json:"applied_rules"`
	// FreeShippingQty is how many units of the line ship free, when any do.
	FreeShippingQty string `json:"free_shipping_qty,omitempty"`
}

// Totals are the cart's totals. GrandTotal = Subtotal − Discount + Shipping,
// where Discount includes ShippingDiscount.
type Totals struct {
	Subtotal         string `json:"subtotal"`
	Discount         string `json:"discount"`
	Shipping         string `json:"shipping"`
	ShippingDiscount string `json:"shipping_discount"`
	GrandTotal       string `json:"grand_total"`
}

// CouponResult says whether the cart's coupon code did anything.
type CouponResult struct {
	Code    string `json:"code"`
	Applied bool   `json:"applied"`
	// Reason says why a code did not apply; empty when it did.
	Reason string `json:"reason,omitempty"`
}

// RuleError is a rule that could not be evaluated for this cart.
type RuleError struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Explanation says why one rule applied or not.
type Explanation struct {
	Rule    string `json:"rule"`
	Applied bool   `json:"applied"`
	// Status is a stable word: applied, disabled, website, customer_group,
	// not_started, expired, coupon, condition, error, no_items, stopped,
	// nothing_left.
	Status string `json:"status"`
	// Reason is a sentence for people.
	Reason string `json:"reason"`
	// Clauses are the parts of the condition that were false, with the
	// values they saw, when Status is condition.
	Clauses  []Clause `json:"clauses,omitempty"`
	Discount string   `json:"discount,omitempty"`
	// Guardrail says that the project's cap cut this rule's discount.
	Guardrail string `json:"guardrail,omitempty"`
	// Budget says that the rule's amount budget clamped its discount to
	// what was left of it.
	Budget string `json:"budget,omitempty"`
}

// Clause is a part of a condition that was false.
type Clause struct {
	Text string   `json:"text"`
	Seen []string `json:"seen,omitempty"`
}
