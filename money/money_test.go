package money

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	ok := map[string]string{"0": "0", "12": "12", "-0.5": "-0.5", "19.99": "19.99", "1.50": "1.5", "007": "7"}
	for in, want := range ok {
		d, err := Parse(in)
		if err != nil || d.String() != want {
			t.Errorf("Parse(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "-", ".5", "5.", "1e3", "NaN", "Inf", "0x10", "1,000", " 1", "1 ", "+1", "1.2.3", "--1"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded; want an error", in)
		} else if !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error %v does not wrap ErrSyntax", in, err)
		}
	}
	long := "1" + string(make([]byte, 0)) + "2345678901234567890123456789012345678901"
	if _, err := Parse(long); err == nil {
		t.Errorf("Parse of %d digits succeeded", len(long))
	}
}

func TestRound(t *testing.T) {
	usd, _ := LookupCurrency("usd")
	jpy, _ := LookupCurrency("JPY")
	kwd, _ := LookupCurrency("KWD")
	tests := []struct {
		cur  Currency
		in   string
		want string
	}{
		{usd, "2.995", "3.00"}, // half away from zero, as Magento's round()
		{usd, "-2.995", "-3.00"},
		{usd, "2.994999", "2.99"},
		{usd, "7.280001", "7.28"},
		{jpy, "333.5", "334"},
		{jpy, "-0.5", "-1"},
		{kwd, "0.0125", "0.013"},
	}
	for _, tt := range tests {
		if got := tt.cur.Format(tt.cur.Round(MustParse(tt.in))); got != tt.want {
			t.Errorf("%s round %s = %s, want %s", tt.cur, tt.in, got, tt.want)
		}
	}
}

func TestArithmetic(t *testing.T) {
	if got := MustParse("10").Div(MustParse("3")).String(); got != "3.33333333333333333333" {
		t.Errorf("10/3 = %s", got)
	}
	if !MustParse("5").Div(Zero).IsZero() {
		t.Error("division by zero is not 0")
	}
	if p := MustParse("1.500").Places(); p != 1 {
		t.Errorf("Places(1.500) = %d", p)
	}
	if v, ok := MustParse("19.99").Scaled(4); !ok || v != 199900 {
		t.Errorf("Scaled = %d, %v", v, ok)
	}
	if _, ok := MustParse("0.00001").Scaled(4); ok {
		t.Error("Scaled accepted 5 places at scale 4")
	}
	if _, ok := MustParse("99999999999999999999").Scaled(4); ok {
		t.Error("Scaled accepted an overflow")
	}
	if FromScaled(199900, 4).String() != "19.99" {
		t.Error("FromScaled")
	}
	usd, _ := LookupCurrency("USD")
	if !usd.Fits(MustParse("19.90")) || usd.Fits(MustParse("19.999")) {
		t.Error("Fits")
	}
	if _, err := ParseCurrency("XXX"); err == nil {
		t.Error("XXX is a currency")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "-1.5", "19.99", "1e3", ".", "-", "00.10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(d.String())
		if err != nil || !back.Equal(d) {
			t.Fatalf("%q parsed as %s, which does not parse back (%v)", s, d, err)
		}
	})
}
