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
type Decimal struct{ d decimal.Decimal }

// Common values.
var (
	Zero    = Decimal{}
	One     = New(1, 0)
	Hundred = New(100, 0)
)

// New returns value × 10^exp.
func New(value int64, exp int32) Decimal { return Decimal{decimal.New(value, exp)} }

// FromInt returns i as a Decimal.
func FromInt(i int64) Decimal { return Decimal{decimal.NewFromInt(i)} }

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
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	return Decimal{d}, nil
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
		return fmt.Errorf("%q: more than %d digits: %w", s, maxDigits, ErrSyntax)
	}
	return nil
}

// Add returns a + b.
func (a Decimal) Add(b Decimal) Decimal { return Decimal{a.d.Add(b.d)} }

// Sub returns a − b.
func (a Decimal) Sub(b Decimal) Decimal { return Decimal{a.d.Sub(b.d)} }

// Mul returns a × b, exactly.
func (a Decimal) Mul(b Decimal) Decimal { return Decimal{a.d.Mul(b.d)} }

// Div returns a ÷ b rounded half away from zero to 20 fractional digits.
// Division by zero returns zero: every caller in ruled treats an empty base
// as "nothing to share", which is what Magento does.
func (a Decimal) Div(b Decimal) Decimal {
	if b.d.IsZero() {
		return Zero
	}
	return Decimal{a.d.DivRound(b.d, divisionDigits)}
}

// Neg returns −a.
func (a Decimal) Neg() Decimal { return Decimal{a.d.Neg()} }

// Cmp returns −1, 0 or +1 as a is less than, equal to or greater than b.
func (a Decimal) Cmp(b Decimal) int { return a.d.Cmp(b.d) }

// Equal reports whether a and b are the same number (1.50 equals 1.5).
func (a Decimal) Equal(b Decimal) bool { return a.d.Equal(b.d) }

// Sign returns −1, 0 or +1.
func (a Decimal) Sign() int { return a.d.Sign() }

// IsZero reports whether a is 0.
func (a Decimal) IsZero() bool { return a.d.IsZero() }

// IsInteger reports whether a has no fractional part.
func (a Decimal) IsInteger() bool { return a.d.IsInteger() }

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
func (a Decimal) Round(places int32) Decimal { return Decimal{a.d.Round(places)} }

// Floor returns the largest integer not greater than a.
func (a Decimal) Floor() Decimal { return Decimal{a.d.Floor()} }

// Places returns the number of fractional digits a is written with, ignoring
// trailing zeros (1.50 has 1, 2 has 0).
func (a Decimal) Places() int32 {
	s := a.d.String()
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return 0
	}
	return int32(len(strings.TrimRight(s[i+1:], "0")))
}

// String returns a in plain notation with no trailing fractional zeros.
func (a Decimal) String() string { return a.d.String() }

// StringFixed returns a rounded half away from zero to places digits and
// written with exactly that many ("3" with 2 places is "3.00").
func (a Decimal) StringFixed(places int32) string { return a.d.StringFixed(places) }

// Scaled returns a × 10^scale as an int64 when that is an integer in range:
// the fixed-point form the condition language computes with. ok is false
// when a has more fractional digits than scale or does not fit.
func (a Decimal) Scaled(scale int32) (v int64, ok bool) {
	s := a.d.Shift(scale)
	if !s.IsInteger() {
		return 0, false
	}
	if s.Cmp(decimal.NewFromInt(math.MaxInt64)) > 0 || s.Cmp(decimal.NewFromInt(math.MinInt64)) < 0 {
		return 0, false
	}
	return s.IntPart(), true
}

// FromScaled returns v × 10^−scale, the inverse of Scaled.
func FromScaled(v int64, scale int32) Decimal { return Decimal{decimal.New(v, -scale)} }

// MarshalText writes a in plain notation, so Decimals can be JSON strings.
func (a Decimal) MarshalText() ([]byte, error) { return []byte(a.d.String()), nil }

// UnmarshalText parses a plain decimal number (see Parse).
func (a *Decimal) UnmarshalText(b []byte) error {
	d, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = d
	return nil
}
