package engine

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONValue walks a parsed body through the exported API: kinds, texts
// as written (numbers) or unescaped (strings), members in document order
// with duplicates, elements with their indexes, and lengths.
func TestJSONValue(t *testing.T) {
	j, err := ParseJSON([]byte(` {"a": [1.50, "x\u00e9", true, null, {}, []], "b": {"c": -2e3, "c": "\ud800"}, "": false} `))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var walk func(path string, v JSONValue)
	walk = func(path string, v JSONValue) {
		got = append(got, fmt.Sprintf("%s: %s %q len %d", path, v.Kind(), v.Text(), v.Len()))
		for i, e := range v.Elems() {
			walk(fmt.Sprintf("%s[%d]", path, i), e)
		}
		for name, m := range v.Members() {
			walk(path+"."+name, m)
		}
	}
	walk("$", j.Root())
	want := []string{
		`$: an object "" len 3`,
		`$.a: an array "" len 6`,
		`$.a[0]: a number "1.50" len 0`,
		`$.a[1]: a string "xé" len 0`,
		`$.a[2]: a boolean "" len 0`,
		`$.a[3]: null "" len 0`,
		`$.a[4]: an object "" len 0`,
		`$.a[5]: an array "" len 0`,
		`$.b: an object "" len 2`,
		`$.b.c: a number "-2e3" len 0`,
		"$.b.c: a string \"\ufffd\" len 0",
		`$.: a boolean "" len 0`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
	for name := range j.Root().Members() {
		if name == "b" {
			break // a stopped iteration stays stopped
		}
	}
	// What a JSON gave stays as it was once it is released and its
	// memory parses another body.
	var names []string
	for name, v := range j.Root().Members() {
		names = append(names, name+"="+v.Text())
	}
	j.Release()
	j.Release() // twice: nothing more
	other, err := ParseJSON([]byte(`{"zzzzzzzzzzzz": "yyyyyyyyyyyyyyy", "b": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	third, err := ParseJSON([]byte(`{"b": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	defer third.Release()
	if other == third || other.Root().Len() != 2 {
		t.Errorf("a JSON released twice was handed to two parses")
	}
	if diff := cmp.Diff([]string{"a=", "b=", "="}, names); diff != "" {
		t.Errorf("names after Release (-want +got):\n%s", diff)
	}
}

// TestJSONFields finds named members without copying names, rejecting the
// first of them given twice in document order and ignoring the others.
func TestJSONFields(t *testing.T) {
	names := []string{"placements", "visitor_id", "view"}
	tests := []struct {
		body string
		want []string // the texts found, by name; "-" for none
		err  string
	}{
		{`{"items": [], "view": 3, "placements": ["a"]}`, []string{"", "-", "3"}, ""},
		{`{"view": "x", "view": 1}`, nil, "view: duplicate field"},
		{`{"items": 1, "items": 2, "visitor_id": "v", "view": 1, "visitor_id": "w", "view": 2}`, nil, "visitor_id: duplicate field"},
		{`{}`, []string{"-", "-", "-"}, ""},
		{`[{"view": 1}]`, []string{"-", "-", "-"}, ""},
	}
	for _, tt := range tests {
		j, err := ParseJSON([]byte(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		into := make([]JSONValue, len(names))
		err = j.Root().Fields(names, into)
		var got []string
		if err == nil {
			for _, v := range into {
				if !v.Exists() {
					got = append(got, "-")
					continue
				}
				got = append(got, v.Text())
			}
		}
		if fmt.Sprint(err) != fmt.Sprint(errOrNil(tt.err)) || !cmp.Equal(got, tt.want) {
			t.Errorf("Fields(%s) = %q, %v; want %q, %s", tt.body, got, err, tt.want, tt.err)
		}
		j.Release()
	}
}

func errOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// A server reads the fields it owns from the parsed body and decodes the
// rest as the cart, parsing the body once.
func ExampleParseJSON() {
	body := []byte(`{"placements": ["home.hero"], "items": [{"sku": "MJ01", "qty": 2, "price": "19.99"}]}`)
	j, err := ParseJSON(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer j.Release() // once nothing reads j any more: the cart is a copy
	for name, v := range j.Root().Members() {
		if name == "placements" {
			for _, p := range v.Elems() {
				fmt.Println("placement", p.Text())
			}
		}
	}
	cart, err := j.Root().DecodeCart(CartDefaults{Currency: usd}, []string{"placements"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cart.Items[0].SKU, cart.Items[0].Qty, cart.Items[0].Price)
	_, err = j.Root().DecodeCart(CartDefaults{Currency: usd}, nil)
	fmt.Println(err)
	// Output:
	// placement home.hero
	// MJ01 2 19.99
	// placements: unknown field (allowed: website, currency, now, customer, coupon_code, segments, items, shipping, payment)
}

// TestDecodeCartConcurrent decodes carts on many goroutines at once, so
// that parses share the pool: each cart is the one decoded alone, and
// stays so while other bodies reuse the memory its parse had. Run it with
// -race.
func TestDecodeCartConcurrent(t *testing.T) {
	var bodies [][]byte
	var want []*Cart
	for _, b := range demoCarts(t) {
		bodies = append(bodies, b)
	}
	bodies = append(bodies, benchCartJSON(20), []byte(oddBodies[1]))
	for _, b := range bodies {
		c, err := DecodeCart(b, CartDefaults{Currency: usd})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c)
	}
	errs := make(chan string, 8)
	for g := range 8 {
		go func() {
			var kept []*Cart
			for i := range 50 {
				k := (g + i) % len(bodies)
				c, err := DecodeCart(bytes.Clone(bodies[k]), CartDefaults{Currency: usd})
				if err != nil {
					errs <- err.Error()
					return
				}
				kept = append(kept, c)
			}
			for i, c := range kept {
				if diff := cmp.Diff(want[(g+i)%len(bodies)], c, decimalEqual); diff != "" {
					errs <- diff
					return
				}
			}
			errs <- ""
		}()
	}
	for range 8 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
