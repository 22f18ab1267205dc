package server

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	gqllog "github.com/graph-gophers/graphql-go/log"

	"github.com/ruled/ruled/engine"
)

//go:embed schema.graphql
var schemaText string

// GraphQL error codes (extensions.code) that are not REST codes upper-cased.
const (
	gqlParseFailed      = "GRAPHQL_PARSE_FAILED"
	gqlValidationFailed = "GRAPHQL_VALIDATION_FAILED"
)

func (s *Server) newSchema() *graphql.Schema {
	return graphql.MustParseSchema(schemaText, &query{s: s},
		graphql.UseFieldResolvers(),
		graphql.UseStringDescriptions(),
		graphql.MaxDepth(s.opt.GraphQL.MaxDepth),
		graphql.MaxQueryLength(64<<10),
		graphql.Tracer(costTracer{}),
		graphql.Logger(gqllog.LoggerFunc(func(ctx context.Context, v any) {
			s.log.Error("panic resolving GraphQL", "request_id", requestIDOf(ctx), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		})),
		graphql.PanicHandler(panicHandler{}),
	)
}

// gqlRequest is what one GraphQL request resolves against: one rule set
// from start to end, and the shopper's membership.
type gqlRequest struct {
	g   *engine.Generation
	who shopper
	now time.Time
	// decisionsOnly: the request came to the main address while operators
	// have their own, so the listings (file paths, source lines) are not
	// answered.
	decisionsOnly bool
	budget        *budget
}

type gqlKey struct{}

// listing refuses a listing field on the main address when operators have
// their own (ruled serve --admin-addr).
func (req *gqlRequest) listing(field string) error {
	if req.decisionsOnly {
		return &gqlError{code: codeNotFound, msg: field + ": the listings are served on the admin address only", field: field}
	}
	return nil
}

func gqlRequestOf(ctx context.Context) *gqlRequest {
	return ctx.Value(gqlKey{}).(*gqlRequest)
}

func requestIDOf(ctx context.Context) string {
	if i, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return i.id
	}
	return ""
}

// graphql answers POST /graphql: {"query", "operationName", "variables"} as
// JSON, errors as the GraphQL spec says (message, locations, path,
// extensions.code). Problems with the request itself (not JSON, too large,
// a malformed membership value) are answered with a 4xx status and a
// GraphQL-shaped body; a request stopped at a cost limit too.
//
// The request is decoded here rather than by graphql-go's relay.Handler:
// that handler reads variables' numbers as float64 (inexact money) and
// answers errors as plain text, the very bug classes this endpoint must
// not have. Execution, validation and coercion are graphql-go's.
func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	g, t := s.load()
	if g == nil {
		writeGQLError(w, &apiError{status: http.StatusServiceUnavailable, Code: codeNotReady, Message: "no rule set is loaded yet"})
		return
	}
	aerr := requireJSON(r)
	var who shopper
	if aerr == nil {
		who, aerr = s.membershipOf(r, t)
	}
	var body []byte
	if aerr == nil {
		body, aerr = readBody(w, r, s.opt.MaxBodyBytes)
	}
	var params struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	if aerr == nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // numbers in variables stay exact text
		if err := dec.Decode(&params); err != nil {
			aerr = &apiError{status: http.StatusBadRequest, Code: codeInvalidInput, Message: "the body is not a GraphQL request: " + err.Error()}
		} else if strings.TrimSpace(params.Query) == "" {
			aerr = &apiError{status: http.StatusBadRequest, Code: codeInvalidInput, Message: `the body has no "query"`, Field: "query"}
		}
	}
	if aerr != nil {
		writeGQLError(w, aerr)
		return
	}
	scan := scanDocument(params.Query)
	if scan.evaluations > s.opt.GraphQL.MaxEvaluations {
		tooManyEvaluations(s.opt.GraphQL.MaxEvaluations).answer(w)
		return
	}
	if p := scan.number; scan.bad {
		ext := map[string]any{"code": gqlValidationFailed}
		msg := p.msg
		if p.field != "" {
			ext["field"] = p.field
			msg = p.field + ": " + msg
		}
		writeJSON(w, http.StatusOK, &graphql.Response{Errors: []*gqlerrors.QueryError{{
			Message: msg, Locations: []gqlerrors.Location{{Line: p.line, Column: p.col}}, Extensions: ext,
		}}})
		return
	}
	for k, v := range params.Variables {
		params.Variables[k] = gqlVariables(v)
	}
	limits := s.opt.GraphQL
	ctx, stop := context.WithCancelCause(r.Context())
	defer stop(nil)
	ctx, cancel := context.WithTimeoutCause(ctx, limits.Timeout, &limitError{code: gqlRequestTimeout, status: http.StatusServiceUnavailable,
		limit: limits.Timeout.String(), msg: fmt.Sprintf("the request ran longer than %s, the most one request may: it was stopped", limits.Timeout)})
	defer cancel()
	req := &gqlRequest{g: g, who: who, now: s.opt.Now(), decisionsOnly: r.Context().Value(decisionsOnlyKey{}) != nil, budget: &budget{limits: limits, stop: stop}}
	resp := s.schema.Exec(context.WithValue(ctx, gqlKey{}, req), params.Query, params.OperationName, params.Variables)
	if le, ok := stopped(ctx); ok {
		le.answer(w)
		return
	}
	executed := resp.Data != nil
	for _, e := range resp.Errors {
		if executed && coercion(e) {
			// graphql-go leaves the field out and goes on; the spec makes
			// a value that cannot be coerced a request error: no data.
			resp.Data = nil
			e.Message = "an argument's value cannot be used: " + e.Message
			e.Extensions = map[string]any{"code": gqlCode(codeInvalidInput)}
		}
		classify(e)
	}
	writeJSON(w, http.StatusOK, resp)
}

// coercion reports, for a request that reached execution, an error of
// graphql-go coercing a variable's value into an argument: it has no path,
// and is neither a syntax nor a validation error nor a resolver's.
func coercion(e *gqlerrors.QueryError) bool {
	return e.Path == nil && e.Rule == "" && e.ResolverError == nil && !errors.Is(e.Err, gqlerrors.ErrSyntax) && len(e.Locations) == 0 &&
		e.Extensions["code"] == nil
}

// classify gives every error an extensions.code.
func classify(e *gqlerrors.QueryError) {
	if _, ok := e.Extensions["code"]; ok {
		return
	}
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	switch {
	case errors.Is(e.Err, gqlerrors.ErrSyntax):
		e.Extensions["code"] = gqlParseFailed
	case e.Rule != "":
		e.Extensions["code"] = gqlValidationFailed
	case e.ResolverError != nil:
		e.Extensions["code"] = gqlCode(codeInternal)
	default:
		e.Extensions["code"] = gqlCode(codeInvalidInput)
	}
}

func gqlCode(code string) string { return strings.ToUpper(code) }

// gqlError is an error of a resolver, with its code and, for input, the
// argument path at fault.
type gqlError struct {
	code, msg, field string
}

func (e *gqlError) Error() string { return e.msg }

// Extensions implements graphql-go's extensions interface.
func (e *gqlError) Extensions() map[string]any {
	m := map[string]any{"code": gqlCode(e.code)}
	if e.field != "" {
		m["field"] = e.field
	}
	return m
}

// writeGQLError answers a request that could not be executed.
func writeGQLError(w http.ResponseWriter, e *apiError) {
	ext := map[string]any{"code": gqlCode(e.Code)}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	writeJSON(w, e.status, map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": ext}}})
}

type panicHandler struct{}

// MakePanicError implements graphql-go's panic handler: the panic is logged
// (by the schema's Logger) and the client gets a generic error.
func (panicHandler) MakePanicError(ctx context.Context, _ any) *gqlerrors.QueryError {
	return &gqlerrors.QueryError{
		Message:    "internal error; the request id is " + requestIDOf(ctx),
		Extensions: map[string]any{"code": gqlCode(codeInternal)},
	}
}

// query is the root resolver.
type query struct{ s *Server }

// evaluation is the Evaluation type: the engine's result and the version
// of the rule set that made it.
type evaluation struct {
	engine.Result
	RuleSetVersion string
	placed         []*placementBlocks
}

// Blocks resolves Evaluation.blocks: the blocks chosen for the placements
// evaluateCart was asked for, in the order asked.
func (e *evaluation) Blocks() []*placementBlocks { return e.placed }

// EvaluateCart resolves Query.evaluateCart. With placements it also chooses
// their blocks for this cart, after its rules applied: one evaluation
// prices the cart and picks its banners, as /v1/cart/evaluate does.
func (q *query) EvaluateCart(ctx context.Context, args struct {
	Cart       cartInput
	Explain    graphql.NullBool
	Placements *[]string
	VisitorID  *string
	View       *int32
}) (*evaluation, error) {
	req := gqlRequestOf(ctx)
	if err := req.budget.evaluation(); err != nil {
		return nil, err
	}
	body, err := args.Cart.contract()
	if err != nil {
		return nil, err
	}
	d := &decision{cart: body, ids: req.who.ids, who: req.who, opt: engine.Options{Explain: orFalse(args.Explain)}}
	var placements []string
	if args.Placements != nil {
		placements = *args.Placements
	}
	if err := (blockArgs{placements, args.VisitorID, args.View}).options(&d.opt); err != nil {
		return nil, err
	}
	res, err := q.s.decide(req.g, d, "graphql")
	if err != nil {
		return nil, gqlInputError(err)
	}
	return &evaluation{Result: *res, RuleSetVersion: req.g.Version, placed: placed(placements, res)}, nil
}

// gqlInputError turns an *engine.InputError about the cart JSON contract
// into an error naming the GraphQL argument at fault.
func gqlInputError(err error) error {
	var ie *engine.InputError
	if errors.As(err, &ie) {
		path := gqlPath(ie.Field)
		return &gqlError{code: codeInvalidInput, msg: path + ": " + ie.Message, field: path}
	}
	var sd *storeDown
	if errors.As(err, &sd) {
		return &gqlError{code: codeStoreUnavailable, msg: sd.Error()}
	}
	return err
}

// Audiences resolves Query.audiences.
func (q *query) Audiences(ctx context.Context, args struct {
	Search *string
	Sort   optEnum
	Order  optEnum
}) ([]*audienceView, error) {
	if err := gqlRequestOf(ctx).listing("audiences"); err != nil {
		return nil, err
	}
	list := listAudiences(gqlRequestOf(ctx).g, orDefault(args.Search, ""), strings.ToLower(args.Sort.or("NAME")), strings.ToLower(args.Order.or("ASC")))
	return pointers(list), nil
}

// Rules resolves Query.rules.
func (q *query) Rules(ctx context.Context) ([]*ruleView, error) {
	req := gqlRequestOf(ctx)
	if err := req.listing("rules"); err != nil {
		return nil, err
	}
	return pointers(listRules(req.g, req.now)), nil
}

func pointers[T any](l []T) []*T {
	out := make([]*T, len(l))
	for i := range l {
		out[i] = &l[i]
	}
	return out
}

// An argument with a default, such as explain: Boolean = false, reaches
// its resolver as null when the variable given for it is absent or null:
// graphql-go passes the variable's value as it came, and would refuse a
// null for a Go bool. Such arguments are read with nullable types
// (graphql.NullBool, optEnum) and given their default here, as the schema
// states it.

func orFalse(b graphql.NullBool) bool { return b.Value != nil && *b.Value }

func orDefault(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// optEnum is an enum argument with a default (AudienceSort, SortOrder):
// "" when null.
type optEnum struct{ v string }

// ImplementsGraphQLType binds optEnum to the enums with defaulted arguments.
func (optEnum) ImplementsGraphQLType(name string) bool {
	return name == "AudienceSort" || name == "SortOrder"
}

// UnmarshalGraphQL takes the enum value's name, or null.
func (e *optEnum) UnmarshalGraphQL(input any) error {
	switch v := input.(type) {
	case nil:
		e.v = ""
	case string:
		e.v = v
	default:
		return fmt.Errorf("want an enum value, got %T", input)
	}
	return nil
}

// Nullable lets graphql-go pass null to UnmarshalGraphQL.
func (*optEnum) Nullable() {}

func (e optEnum) or(def string) string {
	if e.v == "" {
		return def
	}
	return e.v
}
