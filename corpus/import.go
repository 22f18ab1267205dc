package corpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ImportOptions configure Import.
type ImportOptions struct {
	// Anonymizer hashes ids and cuts postcodes (required).
	Anonymizer *Anonymizer
	// Groups maps Magento customer group ids to the group codes rules
	// name (default DefaultGroups).
	Groups map[string]string
	// Catalog gives order lines what exports lack: categories and
	// attributes by SKU.
	Catalog map[string]CatalogItem
}

// CatalogItem is what a catalog says of one SKU.
type CatalogItem struct {
	Categories []string       `json:"categories,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// DefaultGroups are Magento's built-in customer groups.
var DefaultGroups = map[string]string{"0": "guest", "1": "general", "2": "wholesale", "3": "retailer"}

// Import reads JSON values from r (one after another, as NDJSON or pretty
// printed) and emits a corpus line for every cart or order in them:
//
//   - a cart as POST /v1/cart/evaluate takes it: kept as it is, but for
//     its ids, hashed, and its postcode, cut (see Anonymizer);
//   - an array of such values;
//   - a Magento 2 order (REST GET /V1/orders/{id}: increment_id, items,
//     created_at...) or a search result of them ({"items": [orders]}):
//     converted to a cart at the order's creation instant, with its
//     undiscounted prices, its coupon, customer group, shipping method,
//     amount, country, region and postcode prefix and payment method;
//     child lines of configurable and bundle products are left out, names,
//     e-mail and street addresses are never read.
//
// It returns how many lines it emitted.
func Import(r io.Reader, opt ImportOptions, emit func(line []byte) error) (int, error) {
	if opt.Groups == nil {
		opt.Groups = DefaultGroups
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	n := 0
	var emitValue func(v any, where string) error
	emitValue = func(v any, where string) error {
		switch v := v.(type) {
		case []any:
			for i, x := range v {
				if err := emitValue(x, fmt.Sprintf("%s[%d]", where, i)); err != nil {
					return err
				}
			}
			return nil
		case map[string]any:
			if orders, ok := v["items"].([]any); ok && len(orders) > 0 && isOrder(orders[0]) {
				return emitValue(orders, where+".items")
			}
			var line map[string]any
			var err error
			if isOrder(v) {
				line, err = fromOrder(v, &opt)
			} else {
				line = anonymizeCart(v, opt.Anonymizer)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			data, err := marshal(line)
			if err != nil {
				return err
			}
			n++
			return emit(data)
		}
		return fmt.Errorf("%s: want a cart, an order or an array of them, got %s", where, jsonKind(v))
	}
	for i := 0; ; i++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("value %d: %w", i+1, err)
		}
		if err := emitValue(v, fmt.Sprintf("value %d", i+1)); err != nil {
			return n, err
		}
	}
}

// marshal writes v as compact JSON without escaping <, > and &.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// isOrder tells a Magento order from a cart: orders have an increment id
// and order lines with qty_ordered.
func isOrder(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, inc := m["increment_id"]
	_, ent := m["entity_id"]
	return inc || ent
}

// anonymizeCart hashes a cart's customer and visitor ids and cuts its
// postcode, leaving everything else as it is.
func anonymizeCart(c map[string]any, a *Anonymizer) map[string]any {
	if cu, ok := c["customer"].(map[string]any); ok {
		if id, ok := cu["id"].(string); ok {
			cu["id"] = a.ID(id)
		} else if id, ok := cu["id"].(json.Number); ok {
			cu["id"] = a.ID(id.String())
		}
	}
	if sh, ok := c["shipping"].(map[string]any); ok {
		if p, ok := sh["postcode"].(string); ok {
			sh["postcode"] = Postcode(p)
		}
	}
	if v, ok := c["visitor_id"].(string); ok {
		c["visitor_id"] = a.ID(v)
	}
	return c
}

// fromOrder converts a Magento order into a corpus line.
func fromOrder(o map[string]any, opt *ImportOptions) (map[string]any, error) {
	line := map[string]any{}
	id := str(o["increment_id"])
	if id == "" {
		id = str(o["entity_id"])
	}
	line["id"] = id
	if at := str(o["created_at"]); at != "" {
		t, err := time.Parse(time.DateTime, at) // Magento stores UTC
		if err != nil {
			return nil, fmt.Errorf("order %s: created_at %q: want YYYY-MM-DD HH:MM:SS", id, at)
		}
		line["now"] = t.UTC().Format(time.RFC3339)
	}
	if cur := str(o["order_currency_code"]); cur != "" {
		line["currency"] = cur
	}
	group := opt.Groups[str(o["customer_group_id"])]
	if guest := str(o["customer_is_guest"]); guest == "1" || guest == "true" {
		group = "guest"
	}
	cust := map[string]any{}
	if cid := str(o["customer_id"]); cid != "" && group != "guest" {
		cust["id"] = opt.Anonymizer.ID(cid)
	}
	if group != "" {
		cust["group"] = group
	}
	if len(cust) > 0 {
		line["customer"] = cust
	}
	if code := str(o["coupon_code"]); code != "" {
		line["coupon_code"] = code
	}
	rawItems, _ := o["items"].([]any)
	items := []any{}
	for _, ri := range rawItems {
		it, ok := ri.(map[string]any)
		if !ok || str(it["parent_item_id"]) != "" {
			continue // a configurable's or bundle's child: the parent carries the price
		}
		sku := str(it["sku"])
		item := map[string]any{"sku": sku, "qty": num(it["qty_ordered"]), "price": num(it["price"])}
		if name := str(it["name"]); name != "" {
			item["name"] = name
		}
		if w := num(it["weight"]); w != "0" && w != "" {
			item["weight"] = w
		}
		if c, ok := opt.Catalog[sku]; ok {
			if len(c.Categories) > 0 {
				item["categories"] = c.Categories
			}
			if len(c.Attributes) > 0 {
				item["attributes"] = c.Attributes
			}
		}
		items = append(items, item)
	}
	line["items"] = items
	ship := map[string]any{}
	if amt := num(o["shipping_amount"]); amt != "" {
		ship["amount"] = amt
	}
	method := str(o["shipping_method"])
	if sa := first(dig(o, "extension_attributes", "shipping_assignments")); sa != nil {
		if m := str(dig(sa, "shipping", "method")); m != "" {
			method = m
		}
		if addr, ok := dig(sa, "shipping", "address").(map[string]any); ok {
			for from, to := range map[string]string{"country_id": "country", "region_code": "region"} {
				if v := str(addr[from]); v != "" {
					ship[to] = v
				}
			}
			if p := str(addr["postcode"]); p != "" {
				ship["postcode"] = Postcode(p)
			}
		}
	}
	if method != "" {
		ship["method"] = method
	}
	if len(ship) > 0 {
		line["shipping"] = ship
	}
	if m := str(dig(o, "payment", "method")); m != "" {
		line["payment"] = map[string]any{"method": m}
	}
	return line, nil
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func first(v any) any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		return l[0]
	}
	return nil
}

// str reads a string or a number as text; anything else is "".
func str(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// num keeps a number's text (Magento writes 12.5 or "12.5000"): the cart
// decoder reads both exactly. Trailing zeros beyond the point are trimmed
// so that prices fit the currency.
func num(v any) string {
	s := str(v)
	if strings.Contains(s, ".") && !strings.ContainsAny(s, "eE") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
