package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/store"
)

// PlaceOrder resolves Mutation.placeOrder, as POST /v1/orders.
func (q *query) PlaceOrder(ctx context.Context, args struct {
	OrderID string
	Cart    cartInput
}) (*evaluation, error) {
	req := gqlRequestOf(ctx)
	if err := req.budget.evaluation(); err != nil {
		return nil, err
	}
	if q.s.opt.Store == nil {
		return nil, &gqlError{code: codeStoreUnavailable, msg: "orders need a usage store: start ruled serve with --store"}
	}
	if strings.TrimSpace(args.OrderID) == "" || len(args.OrderID) > maxOrderID {
		return nil, &gqlError{code: codeInvalidInput, msg: fmt.Sprintf("orderId: want the shop's order id, 1 to %d bytes", maxOrderID), field: "orderId"}
	}
	body, err := args.Cart.contract()
	if err != nil {
		return nil, err
	}
	out, _, err := q.s.place(ctx, req.g, args.OrderID, body, "", req.who)
	var le *store.LimitError
	switch {
	case errors.As(err, &le):
		return nil, &gqlError{code: codeLimitExceeded, msg: le.Error()}
	case errors.As(err, new(*engine.InputError)):
		return nil, gqlInputError(err)
	case err != nil:
		return nil, &gqlError{code: codeStoreUnavailable, msg: "usage store unavailable: " + err.Error()}
	}
	var res engine.Result
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("place order: the stored result: %w", err)
	}
	return &evaluation{Result: res, RuleSetVersion: req.g.Version}, nil
}

// CancelOrder resolves Mutation.cancelOrder.
func (q *query) CancelOrder(ctx context.Context, args struct{ OrderID string }) (bool, error) {
	if q.s.opt.Store == nil {
		return false, &gqlError{code: codeStoreUnavailable, msg: "orders need a usage store: start ruled serve with --store"}
	}
	ok, err := q.s.opt.Store.Cancel(ctx, args.OrderID)
	if err != nil {
		return false, &gqlError{code: codeStoreUnavailable, msg: "usage store unavailable: " + err.Error()}
	}
	return ok, nil
}
