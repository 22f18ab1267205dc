package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

// metrics are a Server's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg *prometheus.Registry

	requests     *prometheus.CounterVec   // route, code
	duration     *prometheus.HistogramVec // route, code
	inflight     prometheus.Gauge
	evaluations  *prometheus.CounterVec // api, result
	applications *ruleCounts            // rule
	placements   *prometheus.CounterVec // placement, result
	blocksServed *prometheus.CounterVec // placement, block
	membership   *prometheus.CounterVec // status
	guardrail    *prometheus.CounterVec // binding

	reloads          *prometheus.CounterVec // trigger, result
	reloadDuration   prometheus.Histogram
	stageDuration    *prometheus.HistogramVec // stage
	coalesced        prometheus.Counter
	lastReloadOK     prometheus.Gauge
	lastReloadOKTime prometheus.Gauge
	reloadErrors     prometheus.Gauge
	info             *prometheus.GaugeVec // version
	cartRules        prometheus.Gauge
	audiences        prometheus.Gauge
	blocks           prometheus.Gauge

	usage ruleUsage // what each rule applied and gave, exactly, for the dashboard
}

// OtherRules is the rule label under which applications of rules without
// a series of their own are counted. It cannot be a rule id, which starts
// with a letter or a digit.
const OtherRules = "_other"

func newMetrics(maxRuleSeries int) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruled_http_requests_total",
		Help: "HTTP requests answered, by route and status code.",
	}, []string{"route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ruled_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route and status code.",
		Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "code"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ruled_http_requests_in_flight",
		Help: "HTTP requests being answered.",
	})
	m.evaluations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruled_evaluations_total",
		Help: "Cart evaluations, by API (rest, graphql) and result (ok, invalid: the cart was rejected, store_unavailable: refused while the usage store could not answer, with --on-store-unavailable fail-closed).",
	}, []string{"api", "result"})
	m.applications = newRuleCounts(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruled_rule_applications_total",
		Help: fmt.Sprintf("Cart evaluations a rule applied in, by rule id. Only rules that applied have a series, "+
			"at most %d of them (the first to apply); the applications of other rules count under rule=%q. "+
			"A rule removed from the rule set loses its series at the next reload.", maxRuleSeries, OtherRules),
	}, []string{"rule"}), maxRuleSeries)
	m.placements = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruled_placement_requests_total",
		Help: "Placements filled, by placement id and result (filled: at least one block, empty: none matched).",
	}, []string{"placement", "result"})
	m.blocksServed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruled_blocks_served_total",
		Help: "Dynamic blocks returned, by placement id and block id.",
	}, []string{"placement", "block"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruled_reloads_total",
		Help: "Rule set reloads, by trigger (start, watch, signal, api) and result (success, failure; unchanged: the watch saw the version in service).",
	}, []string{"trigger", "result"})
	m.reloadDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "ruled_reload_duration_seconds",
		Help:    "Time to load and compile the rule set and swap it in.",
		Buckets: prometheus.ExponentialBuckets(.001, 4, 8),
	})
	m.stageDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ruled_reload_stage_duration_seconds",
		Help:    "Time of each stage of a reload: read (walk and hash the files), parse (the changed ones), validate, compile, swap.",
		Buckets: prometheus.ExponentialBuckets(.0005, 4, 8),
	}, []string{"stage"})
	m.coalesced = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ruled_reload_coalesced_total",
		Help: "Reload triggers that arrived while a reload ran and were served by the next one.",
	})
	m.lastReloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ruled_reload_last_success",
		Help: "1 when the last reload succeeded, 0 when it failed and an older rule set is still in service.",
	})
	m.lastReloadOKTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ruled_reload_last_success_timestamp_seconds",
		Help: "When the rule set in service was loaded, in Unix seconds.",
	})
	m.reloadErrors = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ruled_reload_errors",
		Help: "Errors found by the last reload; 0 after a successful one.",
	})
	m.info = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ruled_rule_set_info",
		Help: "The rule set in service: always 1, labelled with its version (the hash of its files).",
	}, []string{"version"})
	m.cartRules = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ruled_rule_set_cart_rules",
		Help: "Cart rules in the rule set in service.",
	})
	m.audiences = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ruled_rule_set_audiences",
		Help: "Audiences in the registry of the rule set in service.",
	})
	m.blocks = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "ruled_rule_set_blocks",
		Help: "Dynamic blocks in the rule set in service.",
	})
	m.membership = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruled_membership_verdicts_total",
		Help: "Signed membership values judged, by status (verified; anything else is no membership: absent, unsigned, malformed, bad_algorithm, unknown_key, bad_signature, expired, not_yet_valid, bad_claims, wrong_issuer, wrong_audience).",
	}, []string{"status"})
	m.guardrail = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruled_guardrail_trims_total",
		Help: "Evaluations whose total discount the guardrail cut to its cap, by the setting that bound (max_discount_percent, max_discount_amount).",
	}, []string{"binding"})
	m.reg.MustRegister(m.membership, m.guardrail)
	m.reg.MustRegister(m.requests, m.duration, m.inflight, m.evaluations, m.applications.vec, m.placements, m.blocksServed,
		m.reloads, m.reloadDuration, m.stageDuration, m.coalesced, m.lastReloadOK, m.lastReloadOKTime, m.reloadErrors,
		m.info, m.cartRules, m.audiences, m.blocks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// statusCodes holds the label of each status code, so that counting a
// request does not format one.
var statusCodes = func() map[int]string {
	m := map[int]string{}
	for c := 100; c < 600; c++ {
		if http.StatusText(c) != "" {
			m[c] = strconv.Itoa(c)
		}
	}
	return m
}()

func (m *metrics) observe(route string, status int, d time.Duration) {
	code, ok := statusCodes[status]
	if !ok {
		code = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(route, code).Inc()
	m.duration.WithLabelValues(route, code).Observe(d.Seconds())
}

// evaluated counts a successful evaluation of a cart priced in currency, the
// rules that applied and the blocks chosen. Rule labels are bounded by
// ruleCounts; placement and block ids come from the rule set (the engine
// rejects unknown placements), and a project has few of them, so their
// labels are bounded by the files.
func (m *metrics) evaluated(api string, currency money.Currency, res *engine.Result) {
	m.evaluations.WithLabelValues(api, "ok").Inc()
	if res.Guardrail != nil {
		m.guardrail.WithLabelValues(res.Guardrail.Binding).Inc()
	}
	m.usage.add(currency, res)
	for _, a := range res.AppliedRules {
		m.applications.inc(a.ID)
	}
	for pl, bs := range res.Blocks {
		result := "filled"
		if len(bs) == 0 {
			result = "empty"
		}
		m.placements.WithLabelValues(pl, result).Inc()
		for _, b := range bs {
			m.blocksServed.WithLabelValues(pl, b.ID).Inc()
		}
	}
}

// swapped records the rule set now in service.
func (m *metrics) swapped(g *engine.Generation) {
	set := g.Program.Set()
	ids := make(map[string]bool, len(set.CartRules))
	for i := range set.CartRules {
		ids[set.CartRules[i].ID] = true
	}
	m.applications.keep(ids)
	m.info.Reset()
	m.info.WithLabelValues(g.Version).Set(1)
	m.cartRules.Set(float64(len(set.CartRules)))
	m.audiences.Set(float64(len(set.Audiences)))
	m.blocks.Set(float64(len(set.Blocks)))
	m.lastReloadOKTime.Set(float64(g.LoadedAt.UnixNano()) / 1e9)
}

func (m *metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// ruleCounts counts rule applications by rule id with a bounded number of
// series: a rule gets a series of its own the first time it applies, while
// fewer than max rules have one; the applications of the others count under
// OtherRules. A project of 10,000 rules cannot make 10,000 series, and the
// rules that do apply, the ones worth watching, are the ones that get them.
// keep drops the series of rules gone from the rule set, freeing room.
type ruleCounts struct {
	vec   *prometheus.CounterVec
	other prometheus.Counter
	max   int64
	byID  sync.Map // rule id → prometheus.Counter; read lock-free on every evaluation
	n     atomic.Int64
	mu    sync.Mutex // serializes adding and dropping series
}

func newRuleCounts(vec *prometheus.CounterVec, max int) *ruleCounts {
	return &ruleCounts{vec: vec, other: vec.WithLabelValues(OtherRules), max: int64(max)}
}

// inc counts one application of rule id.
func (r *ruleCounts) inc(id string) {
	if c, ok := r.byID.Load(id); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	r.add(id).Inc()
}

// add returns the counter of rule id, giving it a series when there is
// room, else the OtherRules counter.
func (r *ruleCounts) add(id string) prometheus.Counter {
	if r.n.Load() >= r.max {
		return r.other
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.byID.Load(id); ok {
		return c.(prometheus.Counter)
	}
	if r.n.Load() >= r.max {
		return r.other
	}
	c := r.vec.WithLabelValues(id)
	r.byID.Store(id, c)
	r.n.Add(1)
	return c
}

// keep drops the series of every rule not in ids. An evaluation of the
// generation just replaced may still count a dropped rule once more; its
// series then waits for the next reload.
func (r *ruleCounts) keep(ids map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID.Range(func(k, _ any) bool {
		if id := k.(string); !ids[id] {
			r.byID.Delete(id)
			r.vec.DeleteLabelValues(id)
			r.n.Add(-1)
		}
		return true
	})
}
