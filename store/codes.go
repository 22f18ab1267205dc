package store

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// Code formats of generated codes, as Magento names them.
const (
	FormatAlnum = "alnum"
	FormatAlpha = "alpha"
	FormatNum   = "num"
)

// alphabets leave out nothing: Magento's pools are the same.
var alphabets = map[string]string{
	FormatAlnum: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	FormatAlpha: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	FormatNum:   "0123456789",
}

// Spec says how to generate codes: Length random characters of Format,
// a dash every Dash characters (0: none), between Prefix and Suffix.
type Spec struct {
	Qty, Length, Dash int
	Format            string
	Prefix, Suffix    string
}

// Check reports what is wrong with a spec, naming the flag.
func (s Spec) Check() error {
	switch {
	case s.Qty < 1:
		return fmt.Errorf("--qty %d: want at least 1 code", s.Qty)
	case s.Length < 1 || s.Length > 64:
		return fmt.Errorf("--length %d: want 1 to 64 characters", s.Length)
	case s.Dash < 0:
		return fmt.Errorf("--dash %d: want 0 (no dashes) or more", s.Dash)
	case alphabets[s.Format] == "":
		return fmt.Errorf("--format %q: want alnum, alpha or num", s.Format)
	}
	// Ask for at most a tenth of the codes there are, so that drawing
	// them (and retrying past codes other runs made) stays quick.
	space := new(big.Int).Exp(big.NewInt(int64(len(alphabets[s.Format]))), big.NewInt(int64(s.Length)), nil)
	if space.Cmp(big.NewInt(int64(s.Qty)*10)) < 0 {
		return fmt.Errorf("--length %d of %s gives %s codes, too few for %d: use a longer length", s.Length, s.Format, space, s.Qty)
	}
	return nil
}

// Generate draws n distinct codes of the spec from a cryptographic source,
// none of them in skip (folded codes).
func Generate(s Spec, n int, skip func(string) bool) ([]Code, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	alpha := alphabets[s.Format]
	seen := map[string]bool{}
	out := make([]Code, 0, n)
	buf := make([]byte, s.Length)
	max := big.NewInt(int64(len(alpha)))
	for len(out) < n {
		for i := range buf {
			k, err := rand.Int(rand.Reader, max)
			if err != nil {
				return nil, fmt.Errorf("generate codes: %w", err)
			}
			buf[i] = alpha[k.Int64()]
		}
		var b strings.Builder
		b.WriteString(s.Prefix)
		for i, c := range buf {
			if s.Dash > 0 && i > 0 && i%s.Dash == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(c)
		}
		b.WriteString(s.Suffix)
		display := b.String()
		code := Fold(display)
		if seen[code] || skip != nil && skip(code) {
			continue
		}
		seen[code] = true
		out = append(out, Code{Code: code, Display: display})
	}
	return out, nil
}

// Fold is how codes are matched: trimmed, ignoring case, as the engine
// matches a cart's coupon_code.
func Fold(code string) string { return strings.ToLower(strings.TrimSpace(code)) }
