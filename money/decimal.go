package money

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/shopspring/decimal"
)

// divisionDigits is the number of fractional digits kept by Div. Magento's
// arithmetic runs in PHP floats (about 16 significant digits); 20 fractional
// digits is finer than that on every amount a cart can carry, so every
// rounding decision at the currency's minor unit is exact.
const divisionDigits = 20

// maxDigits bounds the length of a parsed number, so that a hostile input
// cannot make arithmetic arbitrarily slow.
const maxDigits = 40

// Decimal is an exact decimal number. The zero value is 0.
//
// Most amounts in a cart fit an int64 coefficient with a small exponent
// (19.99 is 1999 × 10^-2), and cent-sized arithmetic on them needs no
// allocation; so a Decimal holds c × 10^e while that is exact, and moves to
// shopspring/decimal's arbitrary precision only when an operation would
// overflow it, and for division. small.go has the int64 arithmetic;
// decimal_test.go checks it against shopspring/decimal on random inputs.
type Decimal struct {
	c   int64
	e   int32
	big *decimal.Decimal // when set, the value; c and e are unused
}

// Common values.
var (
	Zero    = Decimal{}
	One     = New(1, 0)
	Hundred = New(100, 0)
)

// New returns value × 10^exp.
func New(value int64, exp int32) Decimal { return Decimal{c: value, e: exp} }

// FromInt returns i as a Decimal.
func FromInt(i int64) Decimal { return Decimal{c: i} }

// ErrSyntax is wrapped by Parse for text that is not a plain decimal number.
var ErrSyntax = errors.New("not a decimal number")

// Parse reads a plain decimal number: an optional minus sign, digits, and an
// optional fraction ("12", "-0.5", "19.99"). Exponents, "NaN", "Inf", hex,
// grouping separators and surrounding spaces are rejected, because prices
// written any other way are a mistake in a cart or a rule file.
func Parse(s string) (Decimal, error) {
	if err := checkPlain(s); err != nil {
		return Decimal{}, err
	}
	if d, ok := parseSmall(s); ok {
		return d, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	return fromDec(d), nil
}

// MustParse is Parse for constants in code and tests; it panics on bad input.
func MustParse(s string) Decimal {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

func checkPlain(s string) error {
	body := strings.TrimPrefix(s, "-")
	dot, digits := false, 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && i > 0 && i < len(body)-1:
			dot = true
		default:
			return fmt.Errorf("%q: %w", s, ErrSyntax)
		}
	}
	switch {
	case digits == 0:
		return fmt.Errorf("%q: %w", s, ErrSyntax)
	case digits > maxDigits:
		return fmt.Errorf("%q: more than %d digits", s, maxDigits)
	}
	return nil
}

// Add returns a + b.
func (a Decimal) Add(b Decimal) Decimal {
	if a.big == nil && b.big == nil {
		if ca, cb, e, ok := align(a, b); ok {
			if c, ok := add64(ca, cb); ok {
				return Decimal{c: c, e: e}
			}
		}
	}
	return fromDec(a.dec().Add(b.dec()))
}

// Sub returns a − b.
func (a Decimal) Sub(b Decimal) Decimal { return a.Add(b.Neg()) }

// Mul returns a × b, exactly.
func (a Decimal) Mul(b Decimal) Decimal {
	if a.big == nil && b.big == nil {
		if c, ok := mul64(a.c, b.c); ok {
			if e, ok := exponent(int64(a.e) + int64(b.e)); ok {
				return Decimal{c: c, e: e}
			}
		}
	}
	return fromDec(a.dec().Mul(b.dec()))
}

// Div returns a ÷ b rounded half away from zero to 20 fractional digits.
// Division by zero returns zero: every caller in ruled treats an empty base
// as "nothing to share", which is what Magento does.
func (a Decimal) Div(b Decimal) Decimal {
	if b.IsZero() {
		return Zero
	}
	// A quotient that 128 bits hold is worked out there, and stays in the
	// int64 form when it has one (an exact half, a whole number of cents).
	if w, ok := QuoWide(a, b); ok {
		return w.Decimal()
	}
	return fromDec(a.dec().DivRound(b.dec(), divisionDigits))
}

// QuoFloor returns floor(a ÷ b) for b > 0, exactly (Div rounds at 20
// digits, so its floor can be off by one when the rounding crosses an
// integer). Amounts in the int64 form need no division in big numbers.
func QuoFloor(a, b Decimal) Decimal {
	if a.big == nil && b.big == nil && b.c > 0 {
		if ca, cb, _, ok := align(a, b); ok {
			q := ca / cb
			if ca%cb != 0 && ca < 0 {
				q--
			}
			return Decimal{c: q}
		}
	}
	k := a.Div(b).Floor()
	if k.Mul(b).Cmp(a) > 0 {
		k = k.Sub(One)
	}
	return k
}

// Neg returns −a.
func (a Decimal) Neg() Decimal {
	if a.big == nil && a.c != math.MinInt64 {
		return Decimal{c: -a.c, e: a.e}
	}
	return fromDec(a.dec().Neg())
}

// Cmp returns −1, 0 or +1 as a is less than, equal to or greater than b.
func (a Decimal) Cmp(b Decimal) int {
	if a.big == nil && b.big == nil {
		if ca, cb, _, ok := align(a, b); ok {
			return cmpInt64(ca, cb)
		}
	}
	return a.dec().Cmp(b.dec())
}

// Equal reports whether a and b are the same number (1.50 equals 1.5).
func (a Decimal) Equal(b Decimal) bool { return a.Cmp(b) == 0 }

// Sign returns −1, 0 or +1.
func (a Decimal) Sign() int {
	if a.big == nil {
		return cmpInt64(a.c, 0)
	}
	return a.big.Sign()
}

// IsZero reports whether a is 0.
func (a Decimal) IsZero() bool { return a.Sign() == 0 }

// IsInteger reports whether a has no fractional part.
func (a Decimal) IsInteger() bool {
	if a.big == nil {
		switch {
		case a.e >= 0 || a.c == 0:
			return true
		case -a.e <= 18:
			return a.c%pow10[-a.e] == 0
		}
		return false // |c| < 10^19 cannot be a multiple of 10^19 or more, unless 0
	}
	return a.big.IsInteger()
}

// Min returns the smaller of a and b.
func Min(a, b Decimal) Decimal {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

// Max returns the larger of a and b.
func Max(a, b Decimal) Decimal {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

// Round rounds a half away from zero to places fractional digits.
func (a Decimal) Round(places int32) Decimal {
	if a.big == nil {
		if r, ok := roundSmall(a, places); ok {
			return r
		}
	}
	return fromDec(a.dec().Round(places))
}

// Floor returns the largest integer not greater than a.
func (a Decimal) Floor() Decimal {
	if a.big == nil {
		if a.e >= 0 {
			return a
		}
		if -a.e > 18 {
			if a.c < 0 {
				return FromInt(-1)
			}
			return Zero
		}
		p := pow10[-a.e]
		q := a.c / p
		if a.c < 0 && a.c%p != 0 {
			q--
		}
		return Decimal{c: q}
	}
	return fromDec(a.big.Floor())
}

// Places returns the number of fractional digits a is written with, ignoring
// trailing zeros (1.50 has 1, 2 has 0).
func (a Decimal) Places() int32 {
	s := a.String()
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return 0
	}
	return int32(len(strings.TrimRight(s[i+1:], "0")))
}

// String returns a in plain notation with no trailing fractional zeros.
func (a Decimal) String() string {
	if a.big == nil {
		return formatSmall(a)
	}
	return a.big.String()
}

// StringFixed returns a rounded half away from zero to places digits and
// written with exactly that many ("3" with 2 places is "3.00").
func (a Decimal) StringFixed(places int32) string {
	if a.big == nil && places >= 0 && places <= 18 {
		if r, ok := roundSmall(a, places); ok {
			if s, ok := formatFixed(r, places); ok {
				return s
			}
		}
	}
	return a.dec().StringFixed(places)
}

// AppendFixed appends StringFixed(places) to dst; amounts in the int64 form
// need no allocation of their own.
func (a Decimal) AppendFixed(dst []byte, places int32) []byte {
	if a.big == nil && places >= 0 && places <= 18 {
		if r, ok := roundSmall(a, places); ok {
			if b, ok := appendFixed(dst, r, places); ok {
				return b
			}
		}
	}
	return append(dst, a.StringFixed(places)...)
}

// AppendString appends String() to dst; amounts in the int64 form with no
// more than 18 fractional digits need no allocation of their own.
func (a Decimal) AppendString(dst []byte) []byte {
	if a.big == nil && a.e <= 0 && a.e >= -18 {
		c, e := a.c, a.e
		for e < 0 && c%10 == 0 {
			c /= 10
			e++
		}
		if b, ok := appendFixed(dst, Decimal{c: c, e: e}, -e); ok {
			return b
		}
	}
	return append(dst, a.String()...)
}

// Scaled returns a × 10^scale as an int64 when that is an integer in range:
// the fixed-point form the condition language computes with. ok is false
// when a has more fractional digits than scale or does not fit.
func (a Decimal) Scaled(scale int32) (v int64, ok bool) {
	if a.big == nil {
		return scaleSmall(a, scale)
	}
	s := a.big.Shift(scale)
	if !s.IsInteger() {
		return 0, false
	}
	if s.Cmp(decimal.NewFromInt(math.MaxInt64)) > 0 || s.Cmp(decimal.NewFromInt(math.MinInt64)) < 0 {
		return 0, false
	}
	return s.IntPart(), true
}

// FromScaled returns v × 10^−scale, the inverse of Scaled.
func FromScaled(v int64, scale int32) Decimal { return Decimal{c: v, e: -scale} }

// MarshalText writes a in plain notation, so Decimals can be JSON strings.
func (a Decimal) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses a plain decimal number (see Parse).
func (a *Decimal) UnmarshalText(b []byte) error {
	d, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = d
	return nil
}
