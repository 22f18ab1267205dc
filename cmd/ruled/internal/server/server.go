package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/store"
)

// CompileFunc loads and compiles the rule set: exactly what `ruled check`
// runs. It may reuse what it read and compiled before (files that did not
// change, conditions compiled before), as long as the Build is what
// compiling the files afresh gives. The error is for a rules directory that
// cannot be read at all; problems in the files are diagnostics, with a nil
// Program when any is an error.
type CompileFunc func() (*Build, error)

// Build is what a CompileFunc made of the rules directory.
type Build struct {
	// Program is the compiled rule set; nil when Diagnostics hold an error.
	Program *engine.Program
	// Diagnostics are every problem found, errors and warnings, sorted.
	Diagnostics diag.List
	// Version identifies the content read (see loader.Hash). A watch
	// reload that reads the version last read changes nothing.
	Version string
	// Stages are the steps of the build in order (read, parse, compile),
	// with their durations, for logs, metrics and /v1/status.
	Stages []Stage
	// Files counts the files read; Parsed those parsed afresh, the others
	// having come unchanged from an earlier build.
	Files, Parsed int
	// Trust is how far requests are believed about the shopper, from the
	// build's ruled.yaml and the flags; nil believes them as before.
	Trust *Trust
	// Keys identifies the key material of Trust as read (the key set
	// file's bytes, the signing settings), or what stopped it being read:
	// a watch reload that reads the Version and Keys last read changes
	// nothing, and one whose key set changed swaps the rules and the keys
	// in together.
	Keys string
}

// Stage is one timed step of a reload.
type Stage struct {
	Name     string
	Duration time.Duration
}

// Options configure a Server.
type Options struct {
	// Compile builds a new rule set; required.
	Compile CompileFunc
	// RulesDir is shown on /v1/status.
	RulesDir string
	// Logger receives access logs, reload reports and recovered panics;
	// nil discards them. Cart contents are never logged.
	Logger *slog.Logger
	// MembershipHeader and MembershipCookie name where a shopper's segment
	// membership arrives; both default to DefaultMembership.
	MembershipHeader string
	MembershipCookie string
	// MaxBodyBytes bounds request bodies (default DefaultMaxBody).
	MaxBodyBytes int64
	// MaxItems bounds the lines of one cart (default DefaultMaxItems);
	// MaxSegments the segment ids of one request, membership and body
	// together (default DefaultMaxSegments).
	MaxItems, MaxSegments int
	// MaxRuleSeries bounds the series of ruled_rule_applications_total:
	// rules that applied get one each up to this many, the others share
	// one labelled OtherRules (default DefaultMaxRuleSeries).
	MaxRuleSeries int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// GraphQL bounds the cost of a GraphQL request; zero fields take
	// their defaults.
	GraphQL GraphQLLimits
	// Record, when set, is given every cart a decision request sent and
	// the engine priced, with the options it was priced with (Now the
	// instant used when the cart has none), for what-if runs (see package
	// corpus). It is called on the request path, so it must not block;
	// the cart is not used by the server afterwards.
	Record func(cart *engine.Cart, opt engine.Options)
	// Store keeps usage limits, budgets and generated codes; orders
	// (POST /v1/orders) need it. nil answers them 503.
	Store store.Store
	// AfterReload, when set, is called at the end of every reload that ran
	// the compile step, once its outcome (a new generation, or the one
	// kept) is in service. It then owns what the process does with the
	// memory the reload freed: the server no longer returns it to the
	// system itself (a caller may keep those pages for the next reload).
	AfterReload func()
	// OnStoreUnavailable is what a decision (evaluation, blocks) does when
	// Store cannot answer: StoreSkip (the default) or StoreFailClosed.
	// Orders always answer 503 then.
	OnStoreUnavailable string
}

// Defaults of Options.
const (
	DefaultMembership = "aep-segments-membership"
	DefaultMaxBody    = 1 << 20
	// DefaultMaxItems is far above any real cart (Magento's own checkout
	// slows down past a few hundred lines).
	DefaultMaxItems = 1000
	// DefaultMaxSegments is membership.MaxIDs: a shopper belongs to tens.
	DefaultMaxSegments = 1000
	// DefaultMaxRuleSeries keeps the metric of rule applications well
	// within what a Prometheus server stores comfortably per metric.
	DefaultMaxRuleSeries = 500
)

// Server serves decisions from the rule set in service.
type Server struct {
	opt     Options
	log     *slog.Logger
	live    engine.Live
	metrics *metrics
	schema  *graphql.Schema
	handler http.Handler // every endpoint
	public  http.Handler // decisions and health only

	reloadMu  sync.Mutex  // one reload at a time
	pendMu    sync.Mutex  // guards pending
	pending   *reloadCall // the next reload, shared by the triggers waiting for it
	lastRead  string      // the version (or error) the last reload read; guarded by reloadMu
	lastErr   error       // what the last reload returned; guarded by reloadMu
	releasing atomic.Bool // a releaseMemory is running
	stateMu   sync.Mutex
	state     reloadState // guarded by stateMu

	served atomic.Pointer[served] // the generation in service with its Trust; nil before the first
	// badKeys is the membership-keys diagnostic of the last reload, which
	// kept the keys in service; "" when it had none.
	badKeys atomic.Pointer[string]

	limitedOf atomic.Pointer[limitedProgram] // see limited

	idPrefix string        // of generated request ids: random per process
	idSeq    atomic.Uint64 // of generated request ids
}

// New returns a Server with no rule set in service yet: call Reload.
func New(opt Options) *Server {
	if opt.Compile == nil {
		panic("server: Options.Compile is required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MembershipHeader == "" {
		opt.MembershipHeader = DefaultMembership
	}
	if opt.MembershipCookie == "" {
		opt.MembershipCookie = DefaultMembership
	}
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = DefaultMaxBody
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxItems <= 0 {
		opt.MaxItems = DefaultMaxItems
	}
	if opt.MaxSegments <= 0 {
		opt.MaxSegments = DefaultMaxSegments
	}
	opt.GraphQL.defaults()
	if opt.MaxRuleSeries <= 0 {
		opt.MaxRuleSeries = DefaultMaxRuleSeries
	}
	var seed [4]byte
	_, _ = rand.Read(seed[:])
	s := &Server{opt: opt, log: opt.Logger, metrics: newMetrics(opt.MaxRuleSeries), idPrefix: hex.EncodeToString(seed[:])}
	s.schema = s.newSchema()
	s.handler = s.mux(decisions | operators)
	s.public = s.mux(decisions)
	return s
}

// Live returns the holder of the rule set in service.
func (s *Server) Live() *engine.Live { return &s.live }

// Handler returns the HTTP handler of every endpoint.
func (s *Server) Handler() http.Handler { return s.handler }

// dispatch routes by method, answering 405 with the allowed methods in
// Allow for the others (GET routes take HEAD too).
func (s *Server) dispatch(rt route) http.Handler {
	var allowed []string
	for m := range rt.methods {
		allowed = append(allowed, m)
		if m == http.MethodGet {
			allowed = append(allowed, http.MethodHead)
		}
	}
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info(r).route = rt.name
		m := r.Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		h, ok := rt.methods[m]
		if _, err := url.ParseQuery(r.URL.RawQuery); ok && err != nil {
			// A parameter that cannot be read must not be read as absent.
			e := &apiError{status: http.StatusBadRequest, Code: codeInvalidInput, Message: "malformed query string: " + err.Error(), Field: "query"}
			if rt.name == "graphql" {
				writeGQLError(w, e)
			} else {
				e.write(w)
			}
			return
		}
		if !ok {
			w.Header().Set("Allow", allow)
			e := &apiError{status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed,
				Message: fmt.Sprintf("method %s is not allowed on %s: use %s", r.Method, rt.path, allow)}
			if rt.name == "graphql" { // GraphQL clients read errors in GraphQL's shape
				writeGQLError(w, e)
			} else {
				e.write(w)
			}
			return
		}
		h(w, r)
	})
}

// requestInfo is what the outer layer learns about a request while it is
// served.
type requestInfo struct {
	id    string
	route string // "other" until a route claims the request
}

type infoKey struct{}

func info(r *http.Request) *requestInfo {
	if i, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{route: "other"}
}

// serve is the outer layer of every request: request id, panic recovery,
// metrics and the access log.
func (s *Server) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ri := &requestInfo{id: s.requestID(r), route: "other"}
	w.Header().Set("X-Request-Id", ri.id)
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, ri))
	rec := &recorder{ResponseWriter: w}
	s.metrics.inflight.Inc()
	defer func() {
		s.metrics.inflight.Dec()
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "request_id", ri.id, "route", ri.route, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec.status == 0 {
				e := &apiError{status: http.StatusInternalServerError, Code: codeInternal, Message: "internal error; the request id is " + ri.id}
				if ri.route == "graphql" {
					writeGQLError(rec, e)
				} else {
					e.write(rec)
				}
			}
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.observe(ri.route, status, elapsed)
		level := slog.LevelInfo
		if quietRoutes[ri.route] && status < 400 {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request", "request_id", ri.id, "method", r.Method, "path", r.URL.Path, "route", ri.route,
			"status", status, "bytes", rec.bytes, "duration_ms", float64(elapsed.Microseconds())/1000, "remote", r.RemoteAddr)
	}()
	next.ServeHTTP(rec, r)
}

// quietRoutes are polled by probes and scrapers: their successes are logged
// at debug level only, so that the access log shows traffic.
var quietRoutes = map[string]bool{"healthz": true, "readyz": true, "metrics": true}

// requestID returns the client's X-Request-Id when it is a sane token, or a
// new one: a per-process random prefix and a counter.
func (s *Server) requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 && saneToken(id) {
		return id
	}
	return s.idPrefix + "-" + strconv.FormatUint(s.idSeq.Add(1), 10)
}

func saneToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._:-", c) >= 0) {
			return false
		}
	}
	return true
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Timeouts bound the connections of Serve.
type Timeouts struct {
	ReadHeader time.Duration // reading a request's headers (default 5s)
	Read       time.Duration // reading a whole request (default 15s)
	Write      time.Duration // from the end of the headers to the end of the response (default 30s)
	Idle       time.Duration // a keep-alive connection between requests (default 2m)
	Shutdown   time.Duration // for in-flight requests to finish once ctx is done (default 15s)
}

func (t *Timeouts) defaults() {
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&t.ReadHeader, 5 * time.Second}, {&t.Read, 15 * time.Second}, {&t.Write, 30 * time.Second},
		{&t.Idle, 2 * time.Minute}, {&t.Shutdown, 15 * time.Second}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
}

// Serve answers requests on ln until ctx is done, then stops accepting and
// lets in-flight requests finish for at most t.Shutdown before cutting
// them off. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener, t Timeouts) error {
	return s.serveOn(ctx, ln, s.handler, t)
}

func (s *Server) serveOn(ctx context.Context, ln net.Listener, h http.Handler, t Timeouts) error {
	t.defaults()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", t.Shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), t.Shutdown)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("shutdown: requests still running after %s were cut off: %w", t.Shutdown, err)
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("serve: %w", serr)
	}
	return err
}
