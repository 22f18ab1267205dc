package server

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// This file turns the GraphQL CartInput into the cart JSON contract, so that
// both APIs share one decoder (engine.DecodeCart) with its checks, defaults
// and messages. Numbers keep their exact text: a GraphQL Float literal
// reaches the resolver as a float64 (graphql-go parses it so), and is
// turned back into the literal it came from, which is exact for up to 15
// significant digits; longer ones are refused before execution
// (checkNumbers), never rounded.

type cartInput struct {
	Website    *string
	Currency   *string
	Now        *string
	Customer   *customerInput
	CouponCode *string
	Segments   *[]string
	Items      *[]itemInput
	Shipping   *shippingInput
	Payment    *paymentInput
}

type customerInput struct {
	ID    *string
	Group *string
}

type itemInput struct {
	SKU        string
	Name       *string
	Qty        decimalInput
	Price      decimalInput
	Weight     *decimalInput
	Categories *[]string
	Attributes *jsonInput
}

type shippingInput struct {
	Method   *string
	Amount   *decimalInput
	Country  *string
	Region   *string
	Postcode *string
}

type paymentInput struct {
	Method *string
}

// decimalInput is the Decimal scalar: the value as graphql-go passes it (a
// string, an integer, a float64 from a Float literal, or a json.Number from
// variables), judged when the cart is built.
type decimalInput struct{ v any }

// ImplementsGraphQLType binds decimalInput to the Decimal scalar.
func (decimalInput) ImplementsGraphQLType(name string) bool { return name == "Decimal" }

// UnmarshalGraphQL keeps the value as given.
func (d *decimalInput) UnmarshalGraphQL(input any) error {
	d.v = input
	return nil
}

// jsonInput is the JSON scalar: an object.
type jsonInput struct{ v any }

// ImplementsGraphQLType binds jsonInput to the JSON scalar.
func (jsonInput) ImplementsGraphQLType(name string) bool { return name == "JSON" }

// UnmarshalGraphQL keeps the value as given.
func (j *jsonInput) UnmarshalGraphQL(input any) error {
	j.v = input
	return nil
}

// contract writes the cart as the JSON body of POST /v1/cart/evaluate.
func (c *cartInput) contract() ([]byte, error) {
	m := map[string]any{}
	str(m, "website", c.Website)
	str(m, "currency", c.Currency)
	str(m, "now", c.Now)
	str(m, "coupon_code", c.CouponCode)
	if c.Customer != nil {
		cm := map[string]any{}
		str(cm, "id", c.Customer.ID)
		str(cm, "group", c.Customer.Group)
		m["customer"] = cm
	}
	if c.Segments != nil {
		m["segments"] = *c.Segments
	}
	if c.Items != nil {
		items := make([]any, len(*c.Items))
		for i, it := range *c.Items {
			path := fmt.Sprintf("cart.items[%d]", i)
			im := map[string]any{"sku": it.SKU}
			str(im, "name", it.Name)
			var err error
			if im["qty"], err = exact(it.Qty.v, path+".qty"); err != nil {
				return nil, err
			}
			if im["price"], err = exact(it.Price.v, path+".price"); err != nil {
				return nil, err
			}
			if it.Weight != nil {
				if im["weight"], err = exact(it.Weight.v, path+".weight"); err != nil {
					return nil, err
				}
			}
			if it.Categories != nil {
				im["categories"] = *it.Categories
			}
			if it.Attributes != nil {
				if im["attributes"], err = exact(it.Attributes.v, path+".attributes"); err != nil {
					return nil, err
				}
			}
			items[i] = im
		}
		m["items"] = items
	}
	if s := c.Shipping; s != nil {
		sm := map[string]any{}
		str(sm, "method", s.Method)
		str(sm, "country", s.Country)
		str(sm, "region", s.Region)
		str(sm, "postcode", s.Postcode)
		if s.Amount != nil {
			var err error
			if sm["amount"], err = exact(s.Amount.v, "cart.shipping.amount"); err != nil {
				return nil, err
			}
		}
		m["shipping"] = sm
	}
	if c.Payment != nil {
		pm := map[string]any{}
		str(pm, "method", c.Payment.Method)
		m["payment"] = pm
	}
	return json.Marshal(m)
}

func str(m map[string]any, key string, v *string) {
	if v != nil {
		m[key] = *v
	}
}

// exact returns v with every number as exact JSON number text, inside
// objects and lists too. Values of the wrong type are left for the cart
// decoder to name.
func exact(v any, path string) (any, error) {
	switch v := v.(type) {
	case int32:
		return json.Number(strconv.FormatInt(int64(v), 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case int:
		return json.Number(strconv.Itoa(v)), nil
	case float64:
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if significant(s) > 15 {
			return nil, &gqlError{code: codeInvalidInput, field: path,
				msg: fmt.Sprintf("%s: the number %s has more than 15 significant digits, more than a GraphQL Float carries exactly: write it as a string", path, s)}
		}
		return json.Number(s), nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			var err error
			if out[k], err = exact(e, path+"."+k); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			var err error
			if out[i], err = exact(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil // string, json.Number, bool, nil
}

// gqlPath turns a cart JSON path into the GraphQL argument's path. The
// placement fields are arguments of their own.
func gqlPath(field string) string {
	switch {
	case field == "":
		return "cart"
	case strings.HasPrefix(field, "placements"):
		return field
	case field == "visitor_id":
		return "visitorId"
	case field == "view":
		return field
	}
	if rest, ok := strings.CutPrefix(field, "coupon_code"); ok {
		field = "couponCode" + rest
	}
	return "cart." + field
}
