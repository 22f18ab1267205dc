package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	"github.com/graph-gophers/graphql-go/introspection"
	"github.com/graph-gophers/graphql-go/trace/tracer"
)

// GraphQLLimits bound the cost of one GraphQL request. A request past a
// limit stops (no resolver starts after it) and is answered with status
// 400 (503 for the deadline) and an error whose extensions.code names the
// limit and extensions.limit its value.
type GraphQLLimits struct {
	// MaxDepth bounds the nesting of fields (default DefaultMaxDepth). The
	// standard introspection query of graphql-js nests 13 deep.
	MaxDepth int
	// MaxFields bounds the fields resolved, list entries included (default
	// DefaultMaxFields): it keeps nested introspection and wide lists
	// bounded. The full introspection of ruled's schema resolves about
	// 2,500.
	MaxFields int64
	// MaxEvaluations bounds the evaluateCart and dynamicBlocks fields of
	// one request, aliases included (default DefaultMaxEvaluations).
	MaxEvaluations int64
	// Timeout bounds the time of a request from its start (default
	// DefaultGraphQLTimeout): no resolver starts after it.
	Timeout time.Duration
}

// Defaults of GraphQLLimits.
const (
	DefaultMaxDepth       = 15
	DefaultMaxFields      = 50_000
	DefaultMaxEvaluations = 10
	DefaultGraphQLTimeout = 10 * time.Second
)

func (l *GraphQLLimits) defaults() {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultMaxFields
	}
	if l.MaxEvaluations <= 0 {
		l.MaxEvaluations = DefaultMaxEvaluations
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultGraphQLTimeout
	}
}

// Codes (extensions.code) of the limits.
const (
	gqlTooManyFields      = "TOO_MANY_FIELDS"
	gqlTooManyEvaluations = "TOO_MANY_EVALUATIONS"
	gqlRequestTimeout     = "REQUEST_TIMEOUT"
)

// limitError is a request stopped at a limit: the cause of its canceled
// context.
type limitError struct {
	code   string
	status int
	msg    string
	limit  any
}

func (e *limitError) Error() string { return e.msg }

// answer is the response to a request stopped by e: no data, one error.
func (e *limitError) answer(w http.ResponseWriter) {
	writeJSON(w, e.status, map[string]any{"errors": []map[string]any{{
		"message":    e.msg,
		"extensions": map[string]any{"code": e.code, "limit": e.limit},
	}}})
}

// budget is what one request may still spend.
type budget struct {
	limits GraphQLLimits
	stop   context.CancelCauseFunc
	fields atomic.Int64
	evals  atomic.Int64
}

// evaluation takes one evaluation from the budget, or stops the request.
func (b *budget) evaluation() error {
	if n := b.evals.Add(1); n > b.limits.MaxEvaluations {
		err := tooManyEvaluations(b.limits.MaxEvaluations)
		b.stop(err)
		return err
	}
	return nil
}

func tooManyEvaluations(limit int64) *limitError {
	return &limitError{code: gqlTooManyEvaluations, status: http.StatusBadRequest, limit: limit,
		msg: fmt.Sprintf("the request asks for more than %d evaluations (evaluateCart and dynamicBlocks fields, aliases included), the most one request may run: split it", limit)}
}

// costTracer counts the fields each request resolves against its budget;
// graphql-go calls TraceField before resolving any field.
type costTracer struct{}

// TraceQuery implements tracer.Tracer.
func (costTracer) TraceQuery(ctx context.Context, _ string, _ string, _ map[string]any, _ map[string]*introspection.Type) (context.Context, tracer.QueryFinishFunc) {
	return ctx, func([]*gqlerrors.QueryError) {}
}

// TraceField implements tracer.Tracer.
func (costTracer) TraceField(ctx context.Context, _, _, _ string, _ bool, _ map[string]any) (context.Context, tracer.FieldFinishFunc) {
	if req, ok := ctx.Value(gqlKey{}).(*gqlRequest); ok {
		b := req.budget
		if n := b.fields.Add(1); n > b.limits.MaxFields {
			b.stop(&limitError{code: gqlTooManyFields, status: http.StatusBadRequest, limit: b.limits.MaxFields,
				msg: fmt.Sprintf("the request resolves more than %d fields, the most one request may: ask for less", b.limits.MaxFields)})
		}
	}
	return ctx, func(*gqlerrors.QueryError) {}
}

// stopped returns the limit that stopped the request of ctx, if one did.
func stopped(ctx context.Context) (*limitError, bool) {
	var le *limitError
	if errors.As(context.Cause(ctx), &le) {
		return le, true
	}
	return nil, false
}
