package money

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/shopspring/decimal"
)

// Wide is an exact decimal with Div's 20 fractional digits, held in 128
// bits: what a running rounding carry fed by divisions needs (Magento's
// DeltaPriceRound of a cart_fixed rule), computed without allocating.
// Every operation reports ok=false rather than overflow or lose a digit;
// callers then fall back to Decimal, whose results these equal exactly
// (TestWideMatchesDecimal). The zero value is 0.
type Wide struct {
	neg    bool
	hi, lo uint64 // |value| × 10^20
}

var pow10u = [20]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// mul128 returns (hi, lo) × m.
func mul128(hi, lo, m uint64) (uint64, uint64, bool) {
	h1, l1 := bits.Mul64(lo, m)
	h2, l2 := bits.Mul64(hi, m)
	if h2 != 0 {
		return 0, 0, false
	}
	h, carry := bits.Add64(l2, h1, 0)
	return h, l1, carry == 0
}

// scale128 returns (hi, lo) × 10^k.
func scale128(hi, lo uint64, k int) (uint64, uint64, bool) {
	ok := true
	for k > 0 && ok {
		step := min(k, 19)
		hi, lo, ok = mul128(hi, lo, pow10u[step])
		k -= step
	}
	return hi, lo, ok
}

// div128 returns (hi, lo) ÷ d and the remainder.
func div128(hi, lo, d uint64) (qhi, qlo, r uint64) {
	qhi, r = hi/d, hi%d
	qlo, r = bits.Div64(r, lo, d)
	return qhi, qlo, r
}

func abs64(c int64) uint64 {
	if c < 0 {
		return uint64(-(c + 1)) + 1
	}
	return uint64(c)
}

// WideOf returns d as a Wide; ok is false when d has more than 20
// fractional digits or does not fit.
func WideOf(d Decimal) (Wide, bool) {
	if d.big != nil || d.e < -divisionDigits || d.e > 18 {
		return Wide{}, false
	}
	hi, lo, ok := scale128(0, abs64(d.c), divisionDigits+int(d.e))
	return Wide{neg: d.c < 0 && (hi|lo) != 0, hi: hi, lo: lo}, ok
}

// QuoWide returns a ÷ b rounded half away from zero to 20 fractional
// digits: a.Div(b), exactly. Division by zero gives zero, as Div does.
func QuoWide(a, b Decimal) (Wide, bool) {
	if a.big != nil || b.big != nil {
		return Wide{}, false
	}
	if b.c == 0 || a.c == 0 {
		return Wide{}, true
	}
	k := divisionDigits + int64(a.e) - int64(b.e)
	if k < -19 || k > 38 {
		return Wide{}, false
	}
	d := abs64(b.c)
	var hi, lo uint64
	ok := true
	if k >= 0 {
		hi, lo, ok = scale128(0, abs64(a.c), int(k))
	} else {
		var h uint64
		h, d = bits.Mul64(d, pow10u[-k])
		ok = h == 0
		lo = abs64(a.c)
	}
	if !ok {
		return Wide{}, false
	}
	qhi, qlo, r := div128(hi, lo, d)
	if r >= d-r { // r ≥ d/2: half away from zero
		var c uint64
		qlo, c = bits.Add64(qlo, 1, 0)
		qhi += c
	}
	return Wide{neg: (a.c < 0) != (b.c < 0) && (qhi|qlo) != 0, hi: qhi, lo: qlo}, true
}

// IsZero reports whether w is 0.
func (w Wide) IsZero() bool { return w.hi|w.lo == 0 }

func cmpMag(a, b Wide) int {
	switch {
	case a.hi != b.hi:
		if a.hi < b.hi {
			return -1
		}
		return 1
	case a.lo != b.lo:
		if a.lo < b.lo {
			return -1
		}
		return 1
	}
	return 0
}

// Add returns w + v.
func (w Wide) Add(v Wide) (Wide, bool) {
	if w.neg == v.neg {
		lo, c := bits.Add64(w.lo, v.lo, 0)
		hi, c := bits.Add64(w.hi, v.hi, c)
		if c != 0 || hi >= 1<<63 {
			return Wide{}, false
		}
		return Wide{neg: w.neg, hi: hi, lo: lo}, true
	}
	big, small := w, v
	if cmpMag(w, v) < 0 {
		big, small = v, w
	}
	lo, b := bits.Sub64(big.lo, small.lo, 0)
	hi, _ := bits.Sub64(big.hi, small.hi, b)
	return Wide{neg: big.neg && (hi|lo) != 0, hi: hi, lo: lo}, true
}

// Sub returns w − v.
func (w Wide) Sub(v Wide) (Wide, bool) {
	if !v.IsZero() {
		v.neg = !v.neg
	}
	return w.Add(v)
}

// Round rounds w half away from zero to places fractional digits (0 to
// 18), as Decimal.Round does.
func (w Wide) Round(places int32) (Decimal, bool) {
	if places < 0 || places > 18 {
		return Decimal{}, false
	}
	k := divisionDigits - int(places)
	var qhi, qlo uint64
	up := false
	if k == 20 {
		h, l, r1 := div128(w.hi, w.lo, pow10u[19])
		var r2 uint64
		qhi, qlo, r2 = div128(h, l, 10)
		up = r2 >= 5 // the remainder r2 × 10^19 + r1 ≥ 5 × 10^19
		_ = r1
	} else {
		var r uint64
		p := pow10u[k]
		qhi, qlo, r = div128(w.hi, w.lo, p)
		up = r >= p-r
	}
	if up {
		var c uint64
		qlo, c = bits.Add64(qlo, 1, 0)
		qhi += c
	}
	if qhi != 0 || qlo > math.MaxInt64 {
		return Decimal{}, false
	}
	c := int64(qlo)
	if w.neg {
		c = -c
	}
	return Decimal{c: c, e: -places}, true
}

// Decimal returns w as a Decimal: in the int64 form, without allocating,
// when the value has one.
func (w Wide) Decimal() Decimal {
	if d, ok := w.small(); ok {
		return d
	}
	m := new(big.Int).SetUint64(w.hi)
	m.Lsh(m, 64).Or(m, new(big.Int).SetUint64(w.lo))
	if w.neg {
		m.Neg(m)
	}
	return fromDec(decimal.NewFromBigInt(m, -divisionDigits))
}

// stripSteps are the powers of ten small tries to divide out, largest
// first: any count of trailing zeros up to 20 is a sum of them.
var stripSteps = [...]int32{16, 8, 4, 2, 1}

// small returns w in the int64 form, trailing fractional zeros dropped as
// fromDec drops them; ok is false when the coefficient does not fit.
func (w Wide) small() (Decimal, bool) {
	hi, lo := w.hi, w.lo
	if hi|lo == 0 {
		return Zero, true
	}
	e := int32(-divisionDigits)
	for _, k := range stripSteps {
		if e+k > 0 {
			continue
		}
		if qhi, qlo, r := div128(hi, lo, pow10u[k]); r == 0 {
			hi, lo, e = qhi, qlo, e+k
		}
	}
	if hi != 0 || lo > math.MaxInt64 {
		return Decimal{}, false
	}
	c := int64(lo)
	if w.neg {
		c = -c
	}
	return Decimal{c: c, e: e}, true
}
