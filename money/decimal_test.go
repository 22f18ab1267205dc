package money

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// checkSame compares every operation of the fast path with shopspring's
// arbitrary precision on the same operands.
func checkSame(t *testing.T, a, b Decimal) {
	t.Helper()
	da, db := a.dec(), b.dec()
	eq := func(op string, got Decimal, want decimal.Decimal) {
		t.Helper()
		if !got.dec().Equal(want) {
			t.Fatalf("%s(%s, %s) = %s, want %s", op, a, b, got, want)
		}
	}
	eq("Add", a.Add(b), da.Add(db))
	eq("Sub", a.Sub(b), da.Sub(db))
	eq("Mul", a.Mul(b), da.Mul(db))
	eq("Neg", a.Neg(), da.Neg())
	eq("Floor", a.Floor(), da.Floor())
	if !b.IsZero() {
		eq("Div", a.Div(b), da.DivRound(db, divisionDigits))
	}
	for _, p := range []int32{0, 1, 2, 3, 4, 6} {
		eq("Round", a.Round(p), da.Round(p))
		if got, want := a.StringFixed(p), da.StringFixed(p); got != want {
			t.Fatalf("StringFixed(%s, %d) = %s, want %s", a, p, got, want)
		}
		if got, want := string(a.AppendFixed([]byte("x"), p)), "x"+da.StringFixed(p); got != want {
			t.Fatalf("AppendFixed(%s, %d) = %s, want %s", a, p, got, want)
		}
	}
	if got, want := a.Cmp(b), da.Cmp(db); got != want {
		t.Fatalf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
	}
	if got, want := a.String(), da.String(); got != want {
		t.Fatalf("String(%v) = %s, want %s", a, got, want)
	}
	if got, want := string(a.AppendString([]byte("x"))), "x"+da.String(); got != want {
		t.Fatalf("AppendString(%v) = %s, want %s", a, got, want)
	}
	if a.Sign() != da.Sign() || a.IsInteger() != da.IsInteger() {
		t.Fatalf("Sign/IsInteger(%s) differ", a)
	}
	for _, sc := range []int32{0, 2, 4} {
		got, gotOK := a.Scaled(sc)
		big := Decimal{big: &da}
		want, wantOK := big.Scaled(sc)
		if got != want || gotOK != wantOK {
			t.Fatalf("Scaled(%s, %d) = %d %v, want %d %v", a, sc, got, gotOK, want, wantOK)
		}
	}
	if s := a.String(); len(s) <= maxDigits { // Parse refuses longer numbers on purpose
		if p, err := Parse(s); err != nil || !p.Equal(a) {
			t.Fatalf("Parse(String(%s)) = %s, %v", a, p, err)
		}
	}
}

func randDecimal(r *rand.Rand) Decimal {
	switch r.IntN(6) {
	case 0: // near the int64 limits
		c := math.MaxInt64 - r.Int64N(1000)
		if r.IntN(2) == 0 {
			c = -c
		}
		return New(c, -int32(r.IntN(20)))
	case 1: // cents and halves
		return New(r.Int64N(2_000_000)-1_000_000, -int32(r.IntN(4)))
	case 2: // long fractions, as after a division
		return New(r.Int64N(math.MaxInt64/2), -int32(15+r.IntN(8)))
	case 3: // big, beyond the fast path
		d := decimal.New(r.Int64N(math.MaxInt64), 0).Mul(decimal.New(r.Int64N(math.MaxInt64), -int32(r.IntN(10))))
		return fromDec(d)
	}
	return New(r.Int64N(1_000_000_000)-500_000_000, int32(r.IntN(8))-6)
}

func TestMatchesShopspring(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for range 20000 {
		checkSame(t, randDecimal(r), randDecimal(r))
	}
	for _, s := range []string{"0", "-0.005", "0.005", "2.995", "-2.995", "9223372036854775807", "-9223372036854775808", "0.0000000000000000001"} {
		for _, u := range []string{"1", "-3", "0.5", "100"} {
			checkSame(t, MustParse(s), MustParse(u))
		}
	}
}

func FuzzMatchesShopspring(f *testing.F) {
	f.Add(int64(2995), int32(-3), int64(1), int32(0))
	f.Add(int64(math.MaxInt64), int32(-2), int64(-7), int32(-20))
	f.Fuzz(func(t *testing.T, ca int64, ea int32, cb int64, eb int32) {
		if ea < -40 || ea > 40 || eb < -40 || eb > 40 {
			return
		}
		checkSame(t, New(ca, ea), New(cb, eb))
	})
}
