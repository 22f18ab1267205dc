package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/membership"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
	"github.com/ruled/ruled/store"
)

// Error codes of the order endpoints.
const (
	codeLimitExceeded    = "limit_exceeded"    // 409: a usage limit or budget would be overrun
	codeStoreUnavailable = "store_unavailable" // 503: the usage store cannot be reached
)

// maxOrderID bounds order ids: they are keys in the usage store.
const maxOrderID = 200

// placeOrder answers POST /v1/orders {"order_id", "cart"}: the cart is
// priced with the usage limits read from the store, and the rules that
// applied claim their uses and budget in one transaction. The claims are
// conditional updates, so concurrent placements (in this process or in
// other replicas sharing the database) never overrun a limit: the one
// that would go over a use count (uses per coupon, per customer,
// redemptions) is refused with 409 and counts nothing; the one that finds
// less left of an amount budget than it was priced with is priced again
// with what is left (budget_clamped). A replayed order id answers the
// first order's result.
func (s *Server) placeOrder(w http.ResponseWriter, r *http.Request) {
	g, t := s.load()
	if g == nil {
		notReady(w)
		return
	}
	st := s.opt.Store
	if st == nil {
		writeError(w, http.StatusServiceUnavailable, codeStoreUnavailable, "orders need a usage store: start ruled serve with --store", "")
		return
	}
	if aerr := requireJSON(r); aerr != nil {
		aerr.write(w)
		return
	}
	who, aerr := s.membershipOf(r, t)
	if aerr != nil {
		aerr.write(w)
		return
	}
	body, aerr := readBody(w, r, s.opt.MaxBodyBytes)
	if aerr != nil {
		aerr.write(w)
		return
	}
	var req struct {
		OrderID *string         `json:"order_id"`
		Cart    json.RawMessage `json:"cart"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidInput, "the body is not an order: want {\"order_id\": \"...\", \"cart\": {...}} ("+err.Error()+")", "")
		return
	}
	switch {
	case req.OrderID == nil || strings.TrimSpace(*req.OrderID) == "":
		writeError(w, http.StatusBadRequest, codeInvalidInput, "order_id is missing: every order needs the id the shop gave it", "order_id")
		return
	case len(*req.OrderID) > maxOrderID || !utf8.ValidString(*req.OrderID):
		writeError(w, http.StatusBadRequest, codeInvalidInput, fmt.Sprintf("order_id is longer than %d bytes or not UTF-8", maxOrderID), "order_id")
		return
	case len(req.Cart) == 0 || string(req.Cart) == "null":
		writeError(w, http.StatusBadRequest, codeInvalidInput, "cart is missing: send the cart as POST /v1/cart/evaluate takes it", "cart")
		return
	}
	first, replay, err := s.place(r.Context(), g, *req.OrderID, req.Cart, "cart.", who)
	var le *store.LimitError
	switch {
	case errors.As(err, &le):
		writeError(w, http.StatusConflict, codeLimitExceeded, le.Error(), "")
		return
	case errors.As(err, new(*engine.InputError)):
		inputError(w, err)
		return
	case err != nil:
		storeError(w, err)
		return
	}
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(first)
	w.Write([]byte("\n"))
}

// place prices an order's cart (the cart JSON contract; errors about it
// are *engine.InputError with paths under cartPath) with the limits read
// from the store, and records it with the claims of the rules that
// applied. It returns the priced cart as JSON, or the first order's on a
// replay; a *store.LimitError when a claim loses the race for a limit.
func (s *Server) place(ctx context.Context, g *engine.Generation, orderID string, cartJSON []byte, cartPath string, who shopper) ([]byte, bool, error) {
	st := s.opt.Store
	d := decision{cart: cartJSON, cartPath: cartPath, ids: who.ids, who: who}
	p := g.Program
	cart, err := d.decodeCart(p.CartDefaults())
	if err != nil {
		return nil, false, d.inRequest(err)
	}
	if who.untrusted {
		// As on evaluation: the body's segments and group are not believed.
		cart.Segments, cart.Customer.Group = nil, who.group()
	}
	cart.Segments = membership.Union(cart.Segments, who.ids)
	if err := s.withinLimits(cart); err != nil {
		return nil, false, d.inRequest(err)
	}
	now := s.opt.Now()
	for attempt := 1; ; attempt++ {
		view := &usageView{ctx: ctx, st: st}
		res, err := p.Evaluate(cart, engine.Options{Now: now, Limits: view})
		if err != nil {
			return nil, false, d.inRequest(err)
		}
		res.Membership = who.status(false)
		if view.err != nil {
			return nil, false, view.err
		}
		out, err := json.Marshal(res)
		if err != nil {
			return nil, false, fmt.Errorf("place order: %w", err)
		}
		first, replay, err := st.Place(ctx, store.Order{ID: orderID, Customer: cart.Customer.ID, Result: out, Claims: claims(p.Set(), cart, res)})
		var le *store.LimitError
		if errors.As(err, &le) && le.Kind == store.LimitAmount && attempt < maxBudgetAttempts && ctx.Err() == nil {
			// Another order took some of the budget since it was read:
			// price again with what is left now (the last redemption gets
			// what is left). Each lost race is another order's success,
			// so this ends.
			continue
		}
		return first, replay, err
	}
}

// maxBudgetAttempts bounds the pricings of one order that keeps losing the
// race for an amount budget to other orders; past it the order answers
// 409 and the shop may retry it.
const maxBudgetAttempts = 100

// cancelOrder answers POST /v1/orders/{id}/cancel: the order's uses and
// budget go back, once however often it is asked.
func (s *Server) cancelOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1/orders/"), "/cancel")
	if !ok || id == "" || strings.Contains(id, "/") {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("no endpoint at %s: cancel an order with POST /v1/orders/{id}/cancel", r.URL.Path), "")
		return
	}
	if s.opt.Store == nil {
		writeError(w, http.StatusServiceUnavailable, codeStoreUnavailable, "orders need a usage store: start ruled serve with --store", "")
		return
	}
	found, err := s.opt.Store.Cancel(r.Context(), id)
	switch {
	case err != nil:
		storeError(w, err)
	case !found:
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("no order %q", id), "")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"order_id": id, "cancelled": true})
	}
}

// storeTimeout bounds the reads of one evaluation from the usage store: a
// store that does not answer leaves limited rules out rather than holding
// the request.
const storeTimeout = 2 * time.Second

// usageView returns the usage view of one decision request, and what to
// call when it is done.
func (s *Server) usageView() (*usageView, func()) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	return &usageView{ctx: ctx, st: s.opt.Store}, cancel
}

// SetStore sets the usage store after New, for a store chosen from the
// first rule set; call it before Serve.
func (s *Server) SetStore(st store.Store) { s.opt.Store = st }

// storeError answers a failure of the usage store: 503, so that the shop
// retries the same order id (which can never count twice).
func storeError(w http.ResponseWriter, err error) {
	writeError(w, http.StatusServiceUnavailable, codeStoreUnavailable, "usage store unavailable: "+err.Error(), "")
}

// claims lists what each applied rule takes from its limits: every rule
// counts its redemption and discount, so that ruled usage reports them.
func claims(set *rules.Set, cart *engine.Cart, res *engine.Result) []store.Claim {
	byID := make(map[string]*rules.CartRule, len(set.CartRules))
	for i := range set.CartRules {
		byID[set.CartRules[i].ID] = &set.CartRules[i]
	}
	var out []store.Claim
	for _, a := range res.AppliedRules {
		r := byID[a.ID]
		if r == nil {
			continue
		}
		d, err := money.Parse(a.Discount)
		if err != nil {
			d = money.Zero
		}
		c := store.Claim{Rule: r.ID, Discount: d, Limits: store.Limits{
			UsesPerCoupon: r.UsesPerCoupon, UsesPerCustomer: r.UsesPerCustomer,
			BudgetAmount: r.Budget.Amount, BudgetRedemptions: r.Budget.Redemptions,
		}}
		if r.NeedsCoupon() {
			c.Code = store.Fold(cart.CouponCode)
		}
		out = append(out, c)
	}
	return out
}

// usageView is the engine's view of the usage store for one request: it
// reads each count once, and remembers the first failure so that the
// request answers 503 rather than a price the limits were not checked for.
type usageView struct {
	ctx   context.Context
	st    store.Store
	usage map[[3]string]engine.Usage
	err   error
	asked bool // the store was read
}

func (v *usageView) Usage(rule, code, customer string) (engine.Usage, error) {
	key := [3]string{rule, code, customer}
	if u, ok := v.usage[key]; ok {
		return u, nil
	}
	v.asked = true
	u, err := v.st.Usage(v.ctx, rule, code, customer)
	if err != nil {
		v.err = cmpErr(v.err, err)
		return engine.Usage{}, err
	}
	eu := engine.Usage{CouponUses: u.CouponUses, CustomerUses: u.CustomerUses, Redemptions: u.Redemptions, Discount: u.Discount}
	if v.usage == nil {
		v.usage = map[[3]string]engine.Usage{}
	}
	v.usage[key] = eu
	return eu, nil
}

func (v *usageView) InPool(rule, code string) (bool, error) {
	v.asked = true
	owner, ok, err := v.st.RuleOf(v.ctx, code)
	if err != nil {
		v.err = cmpErr(v.err, err)
		return false, err
	}
	return ok && owner == rule, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
