package money

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// The int64 arithmetic behind Decimal's fast path. Every function here
// reports ok=false instead of overflowing; callers then use shopspring's
// arbitrary precision.

var pow10 = [19]int64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// maxExp bounds exponents kept in the fast path; nothing in a cart comes
// near it, and it keeps exponent sums far from int32 overflow.
const maxExp = 1 << 20

// dec returns a as a shopspring decimal.
func (a Decimal) dec() decimal.Decimal {
	if a.big != nil {
		return *a.big
	}
	return decimal.New(a.c, a.e)
}

var (
	minInt64 = big.NewInt(math.MinInt64)
	maxInt64 = big.NewInt(math.MaxInt64)
)

// fromDec returns d in the fast form when its coefficient fits an int64,
// with trailing zeros of the fraction dropped so coefficients stay small.
func fromDec(d decimal.Decimal) Decimal {
	coef := d.Coefficient()
	if coef.Cmp(minInt64) >= 0 && coef.Cmp(maxInt64) <= 0 {
		if e, ok := exponent(int64(d.Exponent())); ok {
			c := coef.Int64()
			for e < 0 && c != 0 && c%10 == 0 {
				c /= 10
				e++
			}
			return Decimal{c: c, e: e}
		}
	}
	return Decimal{big: &d}
}

func exponent(e int64) (int32, bool) {
	if e < -maxExp || e > maxExp {
		return 0, false
	}
	return int32(e), true
}

func add64(a, b int64) (int64, bool) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, false
	}
	return a + b, true
}

func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a == math.MinInt64 || b == math.MinInt64 {
		return 0, false
	}
	c := a * b
	if c/b != a {
		return 0, false
	}
	return c, true
}

// align returns the coefficients of a and b at their common (smaller)
// exponent.
func align(a, b Decimal) (ca, cb int64, e int32, ok bool) {
	switch {
	case a.e == b.e:
		return a.c, b.c, a.e, true
	case a.e > b.e:
		ca, ok = scaleBy(a.c, int64(a.e)-int64(b.e))
		return ca, b.c, b.e, ok
	}
	cb, ok = scaleBy(b.c, int64(b.e)-int64(a.e))
	return a.c, cb, a.e, ok
}

// scaleBy returns c × 10^k for k ≥ 0.
func scaleBy(c int64, k int64) (int64, bool) {
	if c == 0 || k == 0 {
		return c, true
	}
	if k > 18 {
		return 0, false
	}
	return mul64(c, pow10[k])
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// roundSmall rounds half away from zero to places fractional digits.
func roundSmall(a Decimal, places int32) (Decimal, bool) {
	k := -int64(a.e) - int64(places)
	switch {
	case k <= 0:
		return a, true
	case k > 18:
		return Decimal{}, false
	}
	p := pow10[k]
	q, r := a.c/p, a.c%p
	if r < 0 {
		r = -r
	}
	if r >= p-r { // r ≥ p/2 without overflow
		if a.c < 0 {
			q--
		} else {
			q++
		}
	}
	return Decimal{c: q, e: -places}, true
}

// formatSmall writes c × 10^e in plain notation without trailing
// fractional zeros, as shopspring's String does.
func formatSmall(a Decimal) string {
	c, e := a.c, int64(a.e)
	if c == 0 {
		return "0"
	}
	for e < 0 && c%10 == 0 {
		c /= 10
		e++
	}
	neg := c < 0
	digits := strconv.FormatUint(absU(c), 10)
	var s string
	switch {
	case e >= 0:
		s = digits + strings.Repeat("0", int(e))
	case int64(len(digits)) > -e:
		i := int64(len(digits)) + e
		s = digits[:i] + "." + digits[i:]
	default:
		s = "0." + strings.Repeat("0", int(-e-int64(len(digits)))) + digits
	}
	if neg {
		return "-" + s
	}
	return s
}

// formatFixed writes r, already rounded to places digits, with exactly
// places fractional digits.
func formatFixed(r Decimal, places int32) (string, bool) {
	var buf [48]byte
	b, ok := appendFixed(buf[:0], r, places)
	return string(b), ok // one allocation, the string itself
}

// appendFixed is formatFixed appending to dst.
func appendFixed(dst []byte, r Decimal, places int32) ([]byte, bool) {
	c, ok := scaleBy(r.c, int64(r.e)+int64(places))
	if !ok {
		return dst, false
	}
	// Written right to left into a stack buffer, the point after places
	// digits, zeros up to it.
	var buf [48]byte
	i, u, written := len(buf), absU(c), 0
	for {
		if places > 0 && written == int(places) {
			i--
			buf[i] = '.'
		}
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		written++
		if u == 0 && written > int(places) {
			break
		}
	}
	if c < 0 {
		i--
		buf[i] = '-'
	}
	return append(dst, buf[i:]...), true
}

func absU(c int64) uint64 {
	if c < 0 {
		return uint64(-(c + 1)) + 1
	}
	return uint64(c)
}

// scaleSmall returns c × 10^(e+scale) when that is an integer.
func scaleSmall(a Decimal, scale int32) (int64, bool) {
	k := int64(a.e) + int64(scale)
	if k >= 0 {
		return scaleBy(a.c, k)
	}
	if a.c == 0 {
		return 0, true
	}
	if -k > 18 || a.c%pow10[-k] != 0 {
		return 0, false
	}
	return a.c / pow10[-k], true
}

// parseSmall reads text that checkPlain accepted into the fast form when
// it has at most 18 digits.
func parseSmall(s string) (Decimal, bool) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(body, ".")
	if len(intPart)+len(frac) > 18 {
		return Decimal{}, false
	}
	c, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return Decimal{}, false
	}
	if neg {
		c = -c
	}
	return Decimal{c: c, e: -int32(len(frac))}, true
}
