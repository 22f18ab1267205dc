package corpus

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

// PostcodeKeep is how many leading characters of a shipping postcode a
// recorded cart keeps: enough for regional conditions (a US ZIP3, a
// Canadian forward sortation area, a British postcode area and district
// digit), too few to find an address.
const PostcodeKeep = 3

// Anonymizer removes personal data from carts before they are written: ids
// become keyed hashes, postcodes their first PostcodeKeep characters. The
// cart contract has no names, e-mail addresses or street addresses, so
// nothing else is personal.
//
// Ids are HMAC-SHA256 under a key of the Anonymizer's: the same customer
// gets the same hash throughout one recording, so repeat shoppers stay
// visible, but a hash cannot be checked against a list of known customer
// ids without the key, which is random per recording and never written.
type Anonymizer struct {
	key []byte
}

// NewAnonymizer returns an Anonymizer with key, or a random key when key is
// empty.
func NewAnonymizer(key []byte) *Anonymizer {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &Anonymizer{key: key}
}

// ID returns the hash of a customer or visitor id: "h-" and 24 hex digits
// (96 bits of HMAC-SHA256); "" stays "".
func (a *Anonymizer) ID(id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(id))
	return "h-" + hex.EncodeToString(m.Sum(nil)[:12])
}

// Postcode returns the first PostcodeKeep characters of a postcode,
// without spaces.
func Postcode(p string) string {
	p = strings.ReplaceAll(strings.TrimSpace(p), " ", "")
	r := []rune(p)
	if len(r) > PostcodeKeep {
		r = r[:PostcodeKeep]
	}
	return string(r)
}

// Sample is one priced cart as a request asked it.
type Sample struct {
	Cart *engine.Cart
	// Now is the evaluation instant, written as the cart's "now".
	Now        time.Time
	Placements []string
	VisitorID  string
	View       int
}

// cartJSON is the cart JSON contract, as engine.DecodeCart reads it, with
// the fields a corpus line has beside it.
type cartJSON struct {
	Website    string        `json:"website,omitempty"`
	Currency   string        `json:"currency,omitempty"`
	Now        string        `json:"now,omitempty"`
	Customer   *customerJSON `json:"customer,omitempty"`
	CouponCode string        `json:"coupon_code,omitempty"`
	Segments   []string      `json:"segments,omitempty"`
	Items      []itemJSON    `json:"items"`
	Shipping   *shippingJSON `json:"shipping,omitempty"`
	Payment    *paymentJSON  `json:"payment,omitempty"`
	Placements []string      `json:"placements,omitempty"`
	VisitorID  string        `json:"visitor_id,omitempty"`
	View       int           `json:"view,omitempty"`
}

type customerJSON struct {
	ID    string `json:"id,omitempty"`
	Group string `json:"group,omitempty"`
}

type itemJSON struct {
	SKU        string         `json:"sku"`
	Name       string         `json:"name,omitempty"`
	Qty        money.Decimal  `json:"qty"`
	Price      string         `json:"price"`
	Weight     *money.Decimal `json:"weight,omitempty"`
	Categories []string       `json:"categories,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

type shippingJSON struct {
	Method   string `json:"method,omitempty"`
	Amount   string `json:"amount,omitempty"`
	Country  string `json:"country,omitempty"`
	Region   string `json:"region,omitempty"`
	Postcode string `json:"postcode,omitempty"`
}

type paymentJSON struct {
	Method string `json:"method,omitempty"`
}

// Encode writes a sample as one corpus line (no newline), with its ids
// hashed and its postcode cut by a. engine.DecodeCart reads the cart back
// as it was, but for those.
func (a *Anonymizer) Encode(s Sample) ([]byte, error) {
	c := s.Cart
	out := cartJSON{
		Website:    c.Website,
		Currency:   c.Currency.Code,
		CouponCode: c.CouponCode,
		Segments:   c.Segments,
		Items:      make([]itemJSON, len(c.Items)),
		Placements: s.Placements,
		VisitorID:  a.ID(s.VisitorID),
		View:       s.View,
	}
	now := c.Now
	if now.IsZero() {
		now = s.Now
	}
	if !now.IsZero() {
		out.Now = now.Format(time.RFC3339Nano)
	}
	if c.Customer != (engine.Customer{}) {
		out.Customer = &customerJSON{ID: a.ID(c.Customer.ID), Group: c.Customer.Group}
	}
	for i, it := range c.Items {
		j := itemJSON{SKU: it.SKU, Name: it.Name, Qty: it.Qty, Price: amount(c, it.Price), Categories: it.Categories}
		if !it.Weight.IsZero() {
			w := it.Weight
			j.Weight = &w
		}
		if len(it.Attributes) > 0 {
			j.Attributes = make(map[string]any, len(it.Attributes))
			for _, a := range it.Attributes {
				j.Attributes[a.Name] = attrValue(a.Attr)
			}
		}
		out.Items[i] = j
	}
	if sh := c.Shipping; sh.Method != "" || !sh.Amount.IsZero() || sh.Country != "" || sh.Region != "" || sh.Postcode != "" {
		sh := &shippingJSON{Method: c.Shipping.Method, Country: c.Shipping.Country, Region: c.Shipping.Region, Postcode: Postcode(c.Shipping.Postcode)}
		if !c.Shipping.Amount.IsZero() {
			sh.Amount = amount(c, c.Shipping.Amount)
		}
		out.Shipping = sh
	}
	if c.Payment.Method != "" {
		out.Payment = &paymentJSON{Method: c.Payment.Method}
	}
	return json.Marshal(out)
}

// amount writes an amount with the digits of the cart's currency, as
// results do ("139.00").
func amount(c *engine.Cart, a money.Decimal) string {
	if c.Currency.Code == "" {
		return a.String()
	}
	return c.Currency.Format(a)
}

func attrValue(v engine.Attr) any {
	switch {
	case v.IsNum:
		return json.Number(v.Num.String())
	case v.IsBool:
		return v.Bool
	case v.IsList:
		return v.List
	}
	return v.Str
}
