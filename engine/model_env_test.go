package engine_test

import (
	"fmt"
	"strings"

	"github.com/ruled/ruled/dsl"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// modelEnv builds what conditions see: every string folded, every number in
// the condition language's fixed point, the cart as it arrived.
func modelEnv(cart *engine.Cart, website, group string, auds []rules.Audience, round func(money.Decimal) money.Decimal) (*dsl.Env, []*modelLine, error) {
	num := func(what string, d money.Decimal) (int, error) {
		n, ok := dsl.Number(d)
		if !ok {
			return 0, fmt.Errorf("model: %s %s out of range", what, d)
		}
		return n, nil
	}
	env := &dsl.Env{
		Customer: dsl.CustomerEnv{ID: dsl.Fold(cart.Customer.ID), Group: dsl.Fold(group)},
		Coupon:   dsl.Fold(strings.TrimSpace(cart.CouponCode)),
		Shipping: dsl.ShippingEnv{
			Method:   dsl.Fold(cart.Shipping.Method),
			Country:  dsl.Fold(cart.Shipping.Country),
			Region:   dsl.Fold(cart.Shipping.Region),
			Postcode: dsl.Fold(cart.Shipping.Postcode),
		},
		Payment: dsl.PaymentEnv{Method: dsl.Fold(cart.Payment.Method)},
		Website: dsl.Fold(website),
	}
	var err error
	if env.Shipping.Amount, err = num("shipping", cart.Shipping.Amount); err != nil {
		return nil, nil, err
	}
	var subtotal, qty, weight money.Decimal
	var lines []*modelLine
	for i := range cart.Items {
		it := &cart.Items[i]
		row := round(it.Price.Mul(it.Qty))
		rowWeight := it.Weight.Mul(it.Qty)
		subtotal, qty, weight = subtotal.Add(row), qty.Add(it.Qty), weight.Add(rowWeight)
		ie := dsl.ItemEnv{SKU: dsl.Fold(it.SKU), Name: dsl.Fold(it.Name), Attrs: map[string]dsl.Value{}}
		for _, f := range []struct {
			dst *int
			d   money.Decimal
		}{{&ie.Qty, it.Qty}, {&ie.Price, it.Price}, {&ie.RowTotal, row}, {&ie.Weight, it.Weight}, {&ie.RowWeight, rowWeight}} {
			if *f.dst, err = num("item", f.d); err != nil {
				return nil, nil, err
			}
		}
		for _, c := range it.Categories {
			ie.Categories = append(ie.Categories, dsl.Fold(c))
		}
		for _, na := range it.Attributes {
			k, a := na.Name, na.Attr
			switch {
			case a.IsNum:
				v, _ := dsl.NumberValue(a.Num)
				ie.Attrs[k] = v
			case a.IsBool:
				ie.Attrs[k] = dsl.BoolValue(a.Bool)
			case a.IsList:
				ie.Attrs[k] = dsl.ListValue(a.List)
			default:
				ie.Attrs[k] = dsl.StringValue(a.Str)
			}
		}
		l := &modelLine{item: it, env: ie, applied: map[string]bool{}}
		lines = append(lines, l)
		env.Items = append(env.Items, &l.env)
	}
	if env.Cart.Subtotal, err = num("subtotal", subtotal); err != nil {
		return nil, nil, err
	}
	if env.Cart.TotalQty, err = num("total qty", qty); err != nil {
		return nil, nil, err
	}
	if env.Cart.Weight, err = num("weight", weight); err != nil {
		return nil, nil, err
	}
	env.Cart.LineCount = len(lines) * 10000 // a count, in fixed point
	env.Cart.Currency = dsl.Fold(cart.Currency.Code)
	in := map[string]bool{}
	for _, s := range cart.Segments {
		in[s] = true
	}
	for _, a := range auds {
		env.Member = append(env.Member, in[a.ID])
	}
	return env, lines, nil
}
