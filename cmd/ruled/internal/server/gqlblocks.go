package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/ruled/ruled/engine"
)

// This file is the dynamic blocks over GraphQL: Query.dynamicBlocks,
// Query.placements and Query.blocks.

// placementBlocks is the PlacementBlocks type.
type placementBlocks struct {
	Placement string
	Blocks    []*dynamicBlock
}

// dynamicBlock is the DynamicBlock type.
type dynamicBlock struct {
	ID      string
	Name    string
	Content string
	Data    *jsonData // nil: null
	Why     []string
}

// jsonData is the JSON scalar as an output: a block's data, written as is.
type jsonData struct{ raw json.RawMessage }

// ImplementsGraphQLType binds jsonData to the JSON scalar.
func (jsonData) ImplementsGraphQLType(name string) bool { return name == "JSON" }

// UnmarshalGraphQL is never called: jsonData is only an output (jsonInput
// reads JSON arguments).
func (*jsonData) UnmarshalGraphQL(any) error {
	return errors.New("jsonData is an output type")
}

// MarshalJSON writes the data as written in the block's file.
func (j jsonData) MarshalJSON() ([]byte, error) { return j.raw, nil }

// blockArgs are the arguments that ask for blocks, shared by
// dynamicBlocks and evaluateCart.
type blockArgs struct {
	placements []string
	visitorID  *string
	view       *int32
}

// options checks the arguments and sets them on opt.
func (a blockArgs) options(opt *engine.Options) error {
	if len(a.placements) > maxPlacements {
		return gqlInputError(&engine.InputError{Field: "placements",
			Message: fmt.Sprintf("more than %d placements, the most ruled accepts", maxPlacements)})
	}
	opt.Placements = a.placements
	if a.visitorID != nil {
		if err := checkVisitor("visitor_id", *a.visitorID); err != nil {
			return gqlInputError(err)
		}
		opt.VisitorID = *a.visitorID
	}
	if a.view != nil {
		if err := checkView("view", int64(*a.view), true); err != nil {
			return gqlInputError(err)
		}
		opt.View = int(*a.view)
	}
	return nil
}

// placed lists the chosen blocks of each placement asked for, in the order
// asked.
func placed(placements []string, res *engine.Result) []*placementBlocks {
	out := make([]*placementBlocks, len(placements))
	for i, id := range placements {
		pb := &placementBlocks{Placement: id, Blocks: []*dynamicBlock{}}
		for _, b := range res.Blocks[id] {
			db := &dynamicBlock{ID: b.ID, Name: b.Name, Content: b.Content, Why: nonNil(b.Why)}
			if len(b.Data) > 0 {
				db.Data = &jsonData{raw: b.Data}
			}
			pb.Blocks = append(pb.Blocks, db)
		}
		out[i] = pb
	}
	return out
}

// DynamicBlocks resolves Query.dynamicBlocks.
func (q *query) DynamicBlocks(ctx context.Context, args struct {
	Placements []string
	Cart       *cartInput
	VisitorID  *string
	View       *int32
	Explain    graphql.NullBool
}) ([]*placementBlocks, error) {
	req := gqlRequestOf(ctx)
	if err := req.budget.evaluation(); err != nil {
		return nil, err
	}
	d := &decision{ids: req.who.ids, who: req.who, opt: engine.Options{Explain: orFalse(args.Explain)}}
	if args.Cart != nil {
		body, err := args.Cart.contract()
		if err != nil {
			return nil, err
		}
		d.cart = body
	}
	if err := (blockArgs{args.Placements, args.VisitorID, args.View}).options(&d.opt); err != nil {
		return nil, err
	}
	res, err := q.s.decide(req.g, d, "graphql")
	if err != nil {
		return nil, gqlInputError(err)
	}
	return placed(args.Placements, res), nil
}

// Placements resolves Query.placements.
func (q *query) Placements(ctx context.Context) ([]*placementView, error) {
	req := gqlRequestOf(ctx)
	if err := req.listing("placements"); err != nil {
		return nil, err
	}
	pls, _ := listBlocks(req.g, req.now, "")
	return pointers(pls), nil
}

// Blocks resolves Query.blocks.
func (q *query) Blocks(ctx context.Context, args struct{ Placement *string }) ([]*blockView, error) {
	req := gqlRequestOf(ctx)
	if err := req.listing("blocks"); err != nil {
		return nil, err
	}
	placement := ""
	if args.Placement != nil {
		placement = *args.Placement
		if aerr := placementParam(req.g, placement); aerr != nil {
			return nil, &gqlError{code: codeInvalidInput, msg: "placement: " + aerr.Message, field: "placement"}
		}
	}
	_, bls := listBlocks(req.g, req.now, placement)
	return pointers(bls), nil
}
