package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/store"
)

// Run runs the suite; open returns a new, empty, migrated store for each
// subtest, closed by the caller's cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("migrate", func(t *testing.T) { testMigrate(t, open(t)) })
	t.Run("place", func(t *testing.T) { testPlace(t, open(t)) })
	t.Run("limits", func(t *testing.T) { testLimits(t, open(t)) })
	t.Run("codes", func(t *testing.T) { testCodes(t, open(t)) })
	t.Run("concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("budget race", func(t *testing.T) { testBudgetRace(t, open(t)) })
}

var ctx = context.Background()

func dec(s string) money.Decimal { return money.MustParse(s) }

func usage(t *testing.T, s store.Store, rule, code, customer string) store.Usage {
	t.Helper()
	u, err := s.Usage(ctx, rule, code, customer)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func same(t *testing.T, what string, got, want store.Usage) {
	t.Helper()
	if got.CouponUses != want.CouponUses || got.CustomerUses != want.CustomerUses || got.Redemptions != want.Redemptions || !got.Discount.Equal(want.Discount) {
		t.Errorf("%s: usage %+v, want %+v", what, got, want)
	}
}

func testMigrate(t *testing.T, s store.Store) {
	applied, err := s.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Errorf("second migration applied %v, %v; want nothing", applied, err)
	}
}

func testPlace(t *testing.T, s store.Store) {
	claim := store.Claim{Rule: "welcome", Code: "welcome10", Discount: dec("12.50"), Limits: store.Limits{UsesPerCoupon: 5}}
	o := store.Order{ID: "o-1", Customer: "42", Claims: []store.Claim{claim}, Result: []byte(`{"first":true}`)}
	got, replay, err := s.Place(ctx, o)
	if err != nil || replay || string(got) != `{"first":true}` {
		t.Fatalf("Place = %s, %v, %v", got, replay, err)
	}
	o.Result = []byte(`{"second":true}`)
	got, replay, err = s.Place(ctx, o)
	if err != nil || !replay || string(got) != `{"first":true}` {
		t.Fatalf("replay = %s, %v, %v; want the first answer", got, replay, err)
	}
	same(t, "after a replay", usage(t, s, "welcome", "welcome10", "42"), store.Usage{CouponUses: 1, CustomerUses: 1, Redemptions: 1, Discount: dec("12.50")})
	if _, _, err := s.Place(ctx, store.Order{ID: "o-2", Claims: []store.Claim{claim}, Result: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	same(t, "a guest", usage(t, s, "welcome", "welcome10", "42"), store.Usage{CouponUses: 2, CustomerUses: 1, Redemptions: 2, Discount: dec("25.00")})
	for range 2 {
		if ok, err := s.Cancel(ctx, "o-1"); !ok || err != nil {
			t.Fatalf("Cancel = %v, %v", ok, err)
		}
	}
	same(t, "after cancelling twice", usage(t, s, "welcome", "welcome10", "42"), store.Usage{CouponUses: 1, CustomerUses: 0, Redemptions: 1, Discount: dec("12.50")})
	if ok, err := s.Cancel(ctx, "nope"); ok || err != nil {
		t.Errorf("Cancel of an unknown order = %v, %v", ok, err)
	}
	if got, replay, _ := s.Place(ctx, o); !replay || string(got) != `{"first":true}` {
		t.Errorf("replay of a cancelled order = %s, %v", got, replay)
	}
}

func testLimits(t *testing.T, s store.Store) {
	n := 0
	place := func(customer string, claims ...store.Claim) error {
		n++
		_, _, err := s.Place(ctx, store.Order{ID: fmt.Sprint("o-", n), Customer: customer, Claims: claims, Result: []byte("{}")})
		return err
	}
	kind := func(err error) string {
		var le *store.LimitError
		if errors.As(err, &le) {
			return le.Kind
		}
		if err != nil {
			t.Fatalf("not a limit: %v", err)
		}
		return ""
	}
	perCustomer := store.Claim{Rule: "once", Limits: store.Limits{UsesPerCustomer: 1}}
	free := store.Claim{Rule: "free", Discount: dec("1")}
	for _, tc := range []struct {
		name     string
		customer string
		claims   []store.Claim
		want     string
	}{
		{"first use", "7", []store.Claim{free, perCustomer}, ""},
		{"second use by the customer", "7", []store.Claim{free, perCustomer}, store.LimitCustomer},
		{"guests are not limited", "", []store.Claim{perCustomer}, ""},
		{"guests again", "", []store.Claim{perCustomer}, ""},
		{"coupon", "", []store.Claim{{Rule: "c", Code: "x", Limits: store.Limits{UsesPerCoupon: 1}}}, ""},
		{"coupon spent", "", []store.Claim{{Rule: "c", Code: "x", Limits: store.Limits{UsesPerCoupon: 1}}}, store.LimitCoupon},
		{"another code", "", []store.Claim{{Rule: "c", Code: "y", Limits: store.Limits{UsesPerCoupon: 1}}}, ""},
		{"budget", "", []store.Claim{{Rule: "b", Discount: dec("60.00"), Limits: store.Limits{BudgetAmount: dec("100")}}}, ""},
		{"budget short", "", []store.Claim{{Rule: "b", Discount: dec("40.01"), Limits: store.Limits{BudgetAmount: dec("100")}}}, store.LimitAmount},
		{"budget exact", "", []store.Claim{{Rule: "b", Discount: dec("40.00"), Limits: store.Limits{BudgetAmount: dec("100")}}}, ""},
		{"a budget past 32 bits", "", []store.Claim{{Rule: "big", Discount: dec("250000.00"), Limits: store.Limits{BudgetAmount: dec("1000000000")}}}, ""},
		{"redemptions", "", []store.Claim{{Rule: "r", Limits: store.Limits{BudgetRedemptions: 1}}}, ""},
		{"redemptions spent", "", []store.Claim{{Rule: "r", Limits: store.Limits{BudgetRedemptions: 1}}}, store.LimitRedemptions},
	} {
		if got := kind(place(tc.customer, tc.claims...)); got != tc.want {
			t.Errorf("%s: limit %q, want %q", tc.name, got, tc.want)
		}
	}
	// The refused order counted nothing, not even its other claim.
	same(t, "free", usage(t, s, "free", "", "7"), store.Usage{CustomerUses: 1, Redemptions: 1, Discount: dec("1")})
	same(t, "budget", usage(t, s, "b", "", ""), store.Usage{Redemptions: 2, Discount: dec("100")})
	same(t, "guests", usage(t, s, "once", "", "7"), store.Usage{CustomerUses: 1, Redemptions: 3})
}

func testCodes(t *testing.T, s store.Store) {
	spec := store.Spec{Qty: 50, Length: 8, Format: store.FormatAlnum, Prefix: "WEL-", Dash: 4}
	codes, err := store.Generate(spec, spec.Qty, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddCodes(ctx, "pool", codes); err != nil {
		t.Fatal(err)
	}
	more := []store.Code{{Code: "fresh", Display: "FRESH"}, codes[3]}
	if err := s.AddCodes(ctx, "other", more); !errors.Is(err, store.ErrCodeTaken) {
		t.Fatalf("adding a taken code: %v", err)
	}
	if _, ok, _ := s.RuleOf(ctx, "fresh"); ok {
		t.Error("a failed AddCodes added some of its codes")
	}
	rule, ok, err := s.RuleOf(ctx, codes[0].Code)
	if rule != "pool" || !ok || err != nil {
		t.Errorf("RuleOf = %q, %v, %v", rule, ok, err)
	}
	if _, _, err := s.Place(ctx, store.Order{ID: "g", Claims: []store.Claim{{Rule: "pool", Code: codes[0].Code}}, Result: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Codes(ctx, "pool")
	if err != nil || len(list) != 50 {
		t.Fatalf("Codes = %d codes, %v", len(list), err)
	}
	uses := 0
	for _, c := range list {
		uses += c.Uses
		if c.Code == codes[0].Code && c.Uses != 1 {
			t.Errorf("%s used %d times, want 1", c.Display, c.Uses)
		}
	}
	if uses != 1 {
		t.Errorf("uses over the pool = %d, want 1", uses)
	}
}

// testConcurrent races 1,000 placements for a coupon limited to 100 uses:
// exactly 100 must win.
func testConcurrent(t *testing.T, s store.Store) {
	const orders, limit = 1000, 100
	var won, refused atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c := store.Claim{Rule: "first-100", Code: "first", Discount: dec("5"), Limits: store.Limits{UsesPerCoupon: limit, BudgetAmount: dec("1000")}}
			_, _, err := s.Place(ctx, store.Order{ID: fmt.Sprint("race-", i), Customer: fmt.Sprint(i % 37), Claims: []store.Claim{c}, Result: []byte("{}")})
			var le *store.LimitError
			switch {
			case err == nil:
				won.Add(1)
			case errors.As(err, &le):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won.Load() != limit || refused.Load() != orders-limit {
		t.Errorf("%d placed, %d refused; want %d and %d", won.Load(), refused.Load(), limit, orders-limit)
	}
	same(t, "after the race", usage(t, s, "first-100", "first", ""), store.Usage{CouponUses: limit, Redemptions: limit, Discount: dec("500")})
}

// testBudgetRace races 300 placements, each asking 7.00, for an amount
// budget of 500.05 the way ruled serve places them: read what is left,
// claim at most that (the last redemption gets what is left), and read
// again when the claim loses the race (LimitAmount). The budget is spent
// exactly, never more, and every order counted what it claimed.
func testBudgetRace(t *testing.T, s store.Store) {
	const orders = 300
	budget, ask := dec("500.05"), dec("7.00")
	limits := store.Limits{BudgetAmount: budget}
	var mu sync.Mutex
	var claimed money.Decimal
	var given, spent atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for {
				u, err := s.Usage(ctx, "budget", "", "")
				if err != nil {
					t.Error(err)
					return
				}
				left := budget.Sub(u.Discount)
				if left.Sign() <= 0 {
					spent.Add(1)
					return
				}
				d := money.Min(ask, left)
				_, _, err = s.Place(ctx, store.Order{ID: fmt.Sprint("budget-", i), Claims: []store.Claim{{Rule: "budget", Discount: d, Limits: limits}}, Result: []byte("{}")})
				var le *store.LimitError
				switch {
				case errors.As(err, &le) && le.Kind == store.LimitAmount:
					continue // another order took some: read what is left again
				case err != nil:
					t.Error(err)
					return
				}
				given.Add(1)
				mu.Lock()
				claimed = claimed.Add(d)
				mu.Unlock()
				return
			}
		}()
	}
	wg.Wait()
	u := usage(t, s, "budget", "", "")
	if !u.Discount.Equal(budget) || !claimed.Equal(budget) || int64(u.Redemptions) != given.Load() || given.Load()+spent.Load() != orders {
		t.Errorf("budget %s: counted %s over %d redemptions, claimed %s by %d orders (%d found it spent); want exactly the budget", budget, u.Discount, u.Redemptions, claimed, given.Load(), spent.Load())
	}
	if given.Load() != 72 { // 71 orders of 7.00 and the last of 3.05
		t.Errorf("%d orders got some of the budget, want 72", given.Load())
	}
}

// Bench measures placements of orders with one claim under a limit that
// is never reached (the work every placement does), reported as
// placements/s. Run it with -benchtime of a few seconds at most.
func Bench(b *testing.B, s store.Store) {
	b.ReportAllocs()
	c := store.Claim{Rule: "bench", Code: "bench", Discount: dec("5"), Limits: store.Limits{UsesPerCoupon: 1 << 30, BudgetAmount: dec("1000000000")}}
	n := 0
	for b.Loop() {
		n++
		if _, _, err := s.Place(ctx, store.Order{ID: fmt.Sprint("b-", n), Customer: fmt.Sprint(n % 100), Claims: []store.Claim{c}, Result: []byte(`{}`)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "placements/s")
}
