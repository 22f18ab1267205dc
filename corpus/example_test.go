package corpus_test

import (
	"fmt"
	"time"

	"github.com/ruled/ruled/corpus"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

// A priced cart becomes a corpus line: the customer id is hashed under the
// recording's key, the postcode cut to its first characters.
func ExampleAnonymizer_Encode() {
	a := corpus.NewAnonymizer([]byte("the recording's key"))
	usd, _ := money.ParseCurrency("USD")
	line, err := a.Encode(corpus.Sample{
		Cart: &engine.Cart{
			Currency: usd,
			Customer: engine.Customer{ID: "200318", Group: "vip"},
			Segments: []string{"a791c66e-df31-4216-bf09-4f07500b5c0f"},
			Items:    []engine.Item{{SKU: "NW-SHO-SWITCHBACK-M", Qty: money.FromInt(2), Price: money.MustParse("139.00")}},
			Shipping: engine.Shipping{Country: "US", Region: "WA", Postcode: "98103"},
		},
		Now: time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(line))
	// Output:
	// {"currency":"USD","now":"2026-11-27T15:00:00Z","customer":{"id":"h-75cabbf75523fe7a0d6bbbf3","group":"vip"},"segments":["a791c66e-df31-4216-bf09-4f07500b5c0f"],"items":[{"sku":"NW-SHO-SWITCHBACK-M","qty":"2","price":"139.00"}],"shipping":{"country":"US","region":"WA","postcode":"981"}}
}
