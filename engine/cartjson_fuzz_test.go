package engine

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func FuzzDecodeCart(f *testing.F) {
	for _, tt := range decodeCartTests {
		// The thousand-item bodies test a limit, not the grammar, and are
		// slow to mutate; a small cart covers the same paths.
		if len(tt.body) < 4<<10 {
			f.Add([]byte(tt.body))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := DecodeCart(body, CartDefaults{Currency: usd})
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("DecodeCart(%q) error is %T, want *InputError: %v", body, err, err)
			}
			return
		}
		if c.Website == "" || c.Customer.Group == "" || c.Currency.Code == "" {
			t.Fatalf("DecodeCart(%q) left a default out: %+v", body, c)
		}
		if len(c.Items) > maxCartItems {
			t.Fatalf("DecodeCart(%q) gave %d items", body, len(c.Items))
		}
		for i, it := range c.Items {
			switch {
			case it.SKU == "":
				t.Fatalf("DecodeCart(%q): item %d has no sku", body, i)
			case it.Qty.Sign() <= 0:
				t.Fatalf("DecodeCart(%q): item %d has qty %s", body, i, it.Qty)
			case it.Price.Sign() < 0:
				t.Fatalf("DecodeCart(%q): item %d has price %s", body, i, it.Price)
			case !c.Currency.Fits(it.Price):
				t.Fatalf("DecodeCart(%q): item %d has price %s, finer than %s", body, i, it.Price, c.Currency)
			case it.Weight.Sign() < 0:
				t.Fatalf("DecodeCart(%q): item %d has weight %s", body, i, it.Weight)
			}
		}
		if c.Shipping.Amount.Sign() < 0 {
			t.Fatalf("DecodeCart(%q): shipping amount %s", body, c.Shipping.Amount)
		}
		// White space between tokens changes nothing. (encoding/json's
		// Token reads a value followed by a space and one followed by a
		// delimiter on different paths.)
		var compact, indented bytes.Buffer
		if err := json.Compact(&compact, body); err != nil {
			t.Fatalf("json.Compact(%q): %v", body, err)
		}
		if err := json.Indent(&indented, body, "\t", " "); err != nil {
			t.Fatalf("json.Indent(%q): %v", body, err)
		}
		for _, b := range [][]byte{compact.Bytes(), indented.Bytes()} {
			c2, err := DecodeCart(b, CartDefaults{Currency: usd})
			if err != nil {
				t.Fatalf("DecodeCart(%q) failed, but not with other white space %q: %v", b, body, err)
			}
			if diff := cmp.Diff(c, c2, decimalEqual); diff != "" {
				t.Fatalf("DecodeCart(%q) differs from DecodeCart(%q) (-want +got):\n%s", b, body, diff)
			}
		}
	})
}
