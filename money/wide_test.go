package money

import (
	"math/rand/v2"
	"testing"
)

// TestWideMatchesDecimal holds every Wide operation to the Decimal
// operation it stands for, on random amounts of every size Div and the
// carries meet.
func TestWideMatchesDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	num := func() Decimal {
		mag := []int64{10, 1000, 100000, 1e9, 1e13, 1e17}[r.IntN(6)]
		c := r.Int64N(mag)
		if r.IntN(3) == 0 {
			c = -c
		}
		return New(c, -int32(r.IntN(7)))
	}
	rounded := 0
	for range 20000 {
		a, b := num(), num()
		w, ok := QuoWide(a, b)
		want := divRef(a, b)
		if ok && !w.Decimal().Equal(want) {
			t.Fatalf("QuoWide(%s, %s) = %s, Div %s", a, b, w.Decimal(), want)
		}
		if !ok {
			continue
		}
		v, ok := QuoWide(b, a)
		if !ok {
			continue
		}
		s, ok := w.Add(v)
		if ok && !s.Decimal().Equal(want.Add(divRef(b, a))) {
			t.Fatalf("%s + %s = %s, want %s", w.Decimal(), v.Decimal(), s.Decimal(), want.Add(divRef(b, a)))
		}
		d, ok := w.Sub(v)
		if ok && !d.Decimal().Equal(want.Sub(divRef(b, a))) {
			t.Fatalf("%s - %s = %s", w.Decimal(), v.Decimal(), d.Decimal())
		}
		for _, places := range []int32{0, 2, 3} {
			got, ok := w.Round(places)
			if ok {
				rounded++
			}
			if ok && !got.Equal(want.Round(places)) {
				t.Fatalf("Round(%s, %d) = %s, want %s", w.Decimal(), places, got, want.Round(places))
			}
		}
		if c, ok := WideOf(a); ok && !c.Decimal().Equal(a) {
			t.Fatalf("WideOf(%s) = %s", a, c.Decimal())
		}
	}
	if rounded < 20000 {
		t.Errorf("only %d roundings in the fast form: the test no longer exercises it", rounded)
	}
	// Exact halves round away from zero at every number of places.
	for _, s := range []string{"0.5", "-0.5", "2.345", "-2.345", "0.0049999999999999999999", "1.0000000000000000005"} {
		d := MustParse(s)
		w, ok := WideOf(d)
		if !ok {
			continue // beyond an int64 coefficient: callers use Decimal
		}
		for _, places := range []int32{0, 1, 2, 3} {
			got, _ := w.Round(places)
			if !got.Equal(d.Round(places)) {
				t.Errorf("Round(%s, %d) = %s, want %s", s, places, got, d.Round(places))
			}
		}
	}
}

// TestQuoFloor holds QuoFloor to the floor of the exact quotient, computed
// in big numbers by Div and a correction.
func TestQuoFloor(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for range 20000 {
		a := New(r.Int64N(2_000_000)-1_000_000, -int32(r.IntN(5)))
		b := New(1+r.Int64N(50_000), -int32(r.IntN(5)))
		want := a.Div(b).Floor()
		if want.Mul(b).Cmp(a) > 0 {
			want = want.Sub(One)
		}
		if got := QuoFloor(a, b); !got.Equal(want) {
			t.Fatalf("QuoFloor(%s, %s) = %s, want %s", a, b, got, want)
		}
	}
}

// divRef is Div worked out in shopspring's arbitrary precision only: the
// oracle of QuoWide, which Div itself now uses.
func divRef(a, b Decimal) Decimal {
	if b.IsZero() {
		return Zero
	}
	return fromDec(a.dec().DivRound(b.dec(), divisionDigits))
}

// TestWideDecimalForms: a Wide turned into a Decimal is the same number
// whether it takes the int64 form or arbitrary precision.
func TestWideDecimalForms(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	small := 0
	for range 20000 {
		a := New(r.Int64N(1e12)-5e11, -int32(r.IntN(5)))
		b := New(1+r.Int64N([]int64{4, 100, 1e6, 1e15}[r.IntN(4)]), -int32(r.IntN(5)))
		w, ok := QuoWide(a, b)
		if !ok {
			continue
		}
		got := w.Decimal()
		if got.big == nil {
			small++
		}
		if want := divRef(a, b); !got.dec().Equal(want.dec()) {
			t.Fatalf("%s / %s: %s, want %s", a, b, got, want)
		}
	}
	if small == 0 {
		t.Fatal("no quotient took the int64 form")
	}
}
