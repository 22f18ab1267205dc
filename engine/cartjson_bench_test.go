package engine

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// BenchmarkDecodeCart decodes the demo store's VIP cart (about 1 KB, two
// lines) and a 20-line cart of the same shape: the JSON half of an HTTP
// evaluation.
func BenchmarkDecodeCart(b *testing.B) {
	vip, err := os.ReadFile("../testdata/demo/carts/vip-shoes.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"vip-shoes", vip},
		{"20-lines", benchCartJSON(20)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			def := CartDefaults{Currency: usd}
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeCart(bc.body, def); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchCartJSON returns a cart with n lines like the demo store's: a name,
// a price, a weight, categories and attributes of each kind.
func benchCartJSON(n int) []byte {
	var items []string
	for i := range n {
		items = append(items, fmt.Sprintf(`
    {
      "sku": "NW-SKU-%03d", "name": "Product %d", "qty": %d, "price": "%d.%02d", "weight": 0.%d,
      "categories": ["cat-%d", "cat-%d"],
      "attributes": {"brand": "brand-%d", "size": %d, "new": %t, "color": ["black", "red"]}
    }`, i, i, 1+i%5, 5+i*7, (i*37)%100, 1+i%9, i%10, (i+3)%10, i%5, 36+i%10, i%2 == 0))
	}
	return []byte(`{
  "website": "base", "currency": "USD", "now": "2026-10-16T20:12:00-04:00",
  "customer": {"id": "200318", "group": "vip"},
  "coupon_code": "SAVE10",
  "segments": ["a791c66e-df31-4216-bf09-4f07500b5c0f", "seg-001", "seg-002"],
  "items": [` + strings.Join(items, ",") + `
  ],
  "shipping": {"method": "tablerate_bestway", "amount": 12.95, "country": "US", "region": "WA", "postcode": "98103"},
  "payment": {"method": "paypal_express"}
}`)
}
