package corpus

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestImportMagentoOrders converts a Magento order search result: the
// children of configurable products are left out, prices stay undiscounted,
// names, e-mail, street and telephone never reach the corpus, and every
// line is a cart the engine accepts.
func TestImportMagentoOrders(t *testing.T) {
	f, err := os.Open("testdata/orders.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opt := ImportOptions{
		Anonymizer: NewAnonymizer([]byte("test key")),
		Groups:     map[string]string{"0": "guest", "1": "general", "4": "vip"},
		Catalog:    map[string]CatalogItem{"NW-SCK-MERINO-HK": {Categories: []string{"socks"}, Attributes: map[string]any{"brand": "Ridgeline"}}},
	}
	var out bytes.Buffer
	n, err := Import(f, opt, func(line []byte) error {
		out.Write(line)
		out.WriteByte('\n')
		return nil
	})
	if err != nil || n != 2 {
		t.Fatalf("Import: %d, %v", n, err)
	}
	for _, secret := range []string{"Jane", "Doe", "example.com", "Main St", "555-0100", "Seattle", "98103", "200318", "1111"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("%q reached the corpus", secret)
		}
	}
	for i, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var e Entry
		if err := parseLine([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		if _, err := engine.DecodeCart(e.Cart, usd); err != nil {
			t.Errorf("line %d: %v\n%s", i+1, err, line)
		}
	}
	golden := "testdata/orders.golden.ndjson"
	if *update {
		os.WriteFile(golden, out.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("%s (-golden +got):\n%s", golden, diff)
	}
}

func TestImportCarts(t *testing.T) {
	a := NewAnonymizer([]byte("k"))
	in := `[{"customer": {"id": 7, "group": "vip"}, "items": [], "shipping": {"postcode": "SW1A 1AA"}, "visitor_id": "v"}]
{"id": "x", "items": [{"sku": "A", "qty": 1, "price": "1.00"}]}`
	var lines []string
	n, err := Import(strings.NewReader(in), ImportOptions{Anonymizer: a}, func(l []byte) error {
		lines = append(lines, string(l))
		return nil
	})
	if err != nil || n != 2 {
		t.Fatalf("%d %v", n, err)
	}
	want := []string{
		`{"customer":{"group":"vip","id":"` + a.ID("7") + `"},"items":[],"shipping":{"postcode":"SW1"},"visitor_id":"` + a.ID("v") + `"}`,
		`{"id":"x","items":[{"price":"1.00","qty":1,"sku":"A"}]}`,
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if _, err := Import(strings.NewReader(`{"items": [}`), ImportOptions{Anonymizer: a}, func([]byte) error { return nil }); err == nil || !strings.Contains(err.Error(), "value 1") {
		t.Errorf("malformed JSON: %v", err)
	}
}
