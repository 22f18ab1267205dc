package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// oddBodies are bodies at the edges of JSON the contract's cases do not
// reach: escapes of every kind (lone and paired surrogates, which
// encoding/json replaces with U+FFFD), numbers of every form, literals in
// every place, nesting.
var oddBodies = []string{
	`{"coupon_code": "\ud800"}`,
	`{"coupon_code": "\ud83d\ude00 \u00e9\n\t\"\\\/\b\f\r"}`,
	`{"coupon_code": "\ud800\u0041"}`,
	`{"coupon_code": "\udc00\ud800"}`,
	`{"coupon_code": "\ud800\\"}`,
	`{"coupon_code": "\uD83D\uDE00", "website": "\u0062ase"}`,
	`{"segments": ["\u0000x", "a\u0000"]}`,
	`{"items": [{"sku": "a", "qty": 1.0, "price": 0.10, "weight": 0.0000, "attributes": {"n": -0.0, "m": 10, "k": -12.50}}]}`,
	`{"items": [{"sku": "a", "qty": 1e0, "price": 1}]}`,
	`{"items": [{"sku": "a", "qty": "1.", "price": 1}]}`,
	`{"items": [{"sku": "a", "qty": ".5", "price": 1}]}`,
	`{"items": [{"sku": "a", "qty": "-", "price": 1}]}`,
	`{"items": [{"sku": "a", "qty": "1.2.3", "price": 1}]}`,
	`{"items": [{"sku": "a", "qty": 1, "price": 123456789012345678}]}`,
	`{"items": [{"sku": "a", "qty": 1, "price": 1234567890123456789}]}`,
	`{"items": [{"sku": "a", "qty": 1, "price": "0.0000000000000000001"}]}`,
	`{"items": [{"sku": "a", "qty": 1, "price": 9.9999999999999999999}]}`,
	`{"items": [{"sku": "a", "qty": 0.00010000000000000000000, "price": 1}]}`,
	`{"items": [{"sku": "a", "qty": 1, "price": 1, "attributes": {"a": [], "b": ["x", "x"], "c": null}}]}`,
	`{"items": [], "items": []}`,
	`{"segments": ["a", "b", "a", "c", "b"]}`,
	`{"segments": ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s3", "s17"]}`,
	`{"customer": {"id": "1", "group": "g", "id": "2"}, "payment": {"method": 1}}`,
	`{"shipping": {"country": "us", "amount": "12.50", "amount": 1}}`,
	`1`, `1x`, `-`, `true `, `nul`, `[] `, `{}x`, `{} {}`, "\t{}\r\n", `{"a":}`, `{"a" 1}`, `{,}`, `[1,]`,
	`{"items": [[[[[]]]]]}`, `{"items": {"a": {"b": {}}}}`, `"\ud800"`, `{"\ud800": 1}`,
}

// demoCarts returns the demo store's carts.
func demoCarts(t testing.TB) map[string][]byte {
	paths, err := filepath.Glob("../testdata/demo/carts/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("demo carts: %v (%d found)", err, len(paths))
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// sameAsV1 fails t unless DecodeCart and v1DecodeCart, the encoding/json
// decoder it replaced, agree on body: the same cart, or the same error
// with the same field.
func sameAsV1(t *testing.T, body []byte, def CartDefaults) {
	t.Helper()
	got, err := DecodeCart(body, def)
	want, wantErr := v1DecodeCart(body, def)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("DecodeCart(%q): error %v, the encoding/json decoder's %v", body, err, wantErr)
	}
	if err != nil {
		var ie, wie *InputError
		if !errors.As(err, &ie) || !errors.As(wantErr, &wie) {
			t.Fatalf("DecodeCart(%q): error %T, the encoding/json decoder's %T", body, err, wantErr)
		}
		if *ie != *wie {
			t.Fatalf("DecodeCart(%q): error %#v, the encoding/json decoder's %#v", body, *ie, *wie)
		}
		return
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Fatalf("DecodeCart(%q) differs from the encoding/json decoder (-v1 +got):\n%s", body, diff)
	}
}

// TestDecodeCartSameAsV1 holds the decoder to the one it replaced on the
// contract's cases, the demo carts, odd bodies, and every prefix and every
// one-byte deletion of a full cart: a body cut or broken anywhere is
// rejected with the same words at the same place.
func TestDecodeCartSameAsV1(t *testing.T) {
	var bodies [][]byte
	for _, tt := range decodeCartTests {
		bodies = append(bodies, []byte(tt.body))
	}
	for _, b := range demoCarts(t) {
		bodies = append(bodies, b)
	}
	for _, b := range oddBodies {
		bodies = append(bodies, []byte(b))
	}
	for _, whole := range [][]byte{[]byte(fullCart), benchCartJSON(2), []byte(oddBodies[1])} {
		for i := range whole {
			bodies = append(bodies, whole[:i], append(bytes.Clone(whole[:i]), whole[i+1:]...))
		}
	}
	for _, def := range []CartDefaults{{Currency: usd}, {Currency: jpy}, {}} {
		for _, b := range bodies {
			sameAsV1(t, b, def)
		}
	}
}

func FuzzDecodeCart(f *testing.F) {
	for _, tt := range decodeCartTests {
		// The thousand-item bodies test a limit, not the grammar, and are
		// slow to mutate; a small cart covers the same paths.
		if len(tt.body) < 4<<10 {
			f.Add([]byte(tt.body))
		}
	}
	for _, b := range oddBodies {
		f.Add([]byte(b))
	}
	for _, b := range demoCarts(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// The decoder it replaced, on encoding/json's Decoder.Token, is the
		// oracle: same cart, or same error word for word.
		sameAsV1(t, body, CartDefaults{Currency: usd})
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
		// The cart's lists share one backing array: none may have room to
		// grow into the next.
		for i, it := range c.Items {
			if cap(it.Categories) != len(it.Categories) {
				t.Fatalf("DecodeCart(%q): item %d's categories have capacity %d, length %d", body, i, cap(it.Categories), len(it.Categories))
			}
			if cap(it.Attributes) != len(it.Attributes) {
				t.Fatalf("DecodeCart(%q): item %d's attributes have capacity %d, length %d", body, i, cap(it.Attributes), len(it.Attributes))
			}
			for _, a := range it.Attributes {
				if cap(a.List) != len(a.List) {
					t.Fatalf("DecodeCart(%q): item %d's attribute %s has capacity %d, length %d", body, i, a.Name, cap(a.List), len(a.List))
				}
			}
		}
		// The cart refers to nothing of the body or of the pooled parse:
		// overwriting the body and parsing others into the same pool
		// changes nothing of it.
		scribbled := bytes.Clone(body)
		c3, err := DecodeCart(scribbled, CartDefaults{Currency: usd})
		if err != nil {
			t.Fatalf("DecodeCart(%q) failed the second time: %v", body, err)
		}
		for i := range scribbled {
			scribbled[i] = 'x'
		}
		for _, b := range oddBodies[:8] {
			if j, err := ParseJSON([]byte(b)); err == nil {
				j.Release()
			}
		}
		if diff := cmp.Diff(c, c3, decimalEqual); diff != "" {
			t.Fatalf("DecodeCart(%q) changed with its body overwritten (-want +got):\n%s", body, diff)
		}
		// White space between tokens changes nothing.
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
