package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ruled/ruled/membership"
	"github.com/ruled/ruled/store"
	"github.com/ruled/ruled/store/sqlite"
)

// The instances TestOpenAPI asks, beside the demo store, and how it asks.

// send makes x's request (its burst, if any) and returns the request and
// the answer with x.status, failing the test when none has it.
func send(t *testing.T, base string, x exchange) (req *http.Request, resp *http.Response, body, sent []byte) {
	t.Helper()
	type answer struct {
		req  *http.Request
		resp *http.Response
		body []byte
		err  error
	}
	one := func(body string) answer {
		req, err := http.NewRequest(x.method, base+x.path, strings.NewReader(body))
		if err != nil {
			return answer{err: err}
		}
		if x.ctype != "" {
			req.Header.Set("Content-Type", x.ctype)
		}
		for i := 0; i+1 < len(x.header); i += 2 {
			req.Header.Add(x.header[i], x.header[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // redirects are answers here
		if err != nil {
			return answer{err: err}
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		return answer{req, resp, data, err}
	}
	if x.burst == 0 {
		a := one(x.body)
		if a.err != nil {
			t.Fatal(a.err)
		}
		if a.resp.StatusCode != x.status {
			t.Fatalf("status %d, want %d: %s", a.resp.StatusCode, x.status, a.body)
		}
		return a.req, a.resp, a.body, []byte(x.body)
	}
	for round := range 20 {
		answers := make([]answer, x.burst)
		bodies := make([]string, x.burst)
		var wg sync.WaitGroup
		for n := range x.burst {
			bodies[n] = strings.NewReplacer("{round}", fmt.Sprint(round), "{n}", fmt.Sprint(n)).Replace(x.body)
			wg.Go(func() { answers[n] = one(bodies[n]) })
		}
		wg.Wait()
		for n, a := range answers {
			if a.err != nil {
				t.Fatal(a.err)
			}
			if a.resp.StatusCode == x.status {
				t.Logf("round %d answered %d", round+1, x.status)
				return a.req, a.resp, a.body, []byte(bodies[n])
			}
		}
	}
	t.Fatalf("no request of 20 bursts of %d answered %d", x.burst, x.status)
	return nil, nil, nil, nil
}

// brokenServer serves a copy of the demo store whose files broke after it
// loaded: its reloads fail with diagnostics, the first rule set stays.
func brokenServer(t *testing.T) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(demo)); err != nil {
		t.Fatal(err)
	}
	_, ts := start(t, Options{Compile: compileDir(dir)})
	bad := filepath.Join(dir, "rules", "broken.yaml")
	if err := os.WriteFile(bad, []byte("cart_rules:\n  - id: broken\n    name: Broken\n    when: cart.subtotal >\n    action: {type: by_percent, amount: 10}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/v1/reload", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !slices.Contains([]int{422}, resp.StatusCode) {
		t.Fatalf("reload of broken files: status %d, want 422", resp.StatusCode)
	}
	return ts
}

// ordersRules limit their rules' uses: the orders of the contract test
// reach the limits.
const ordersRules = `cart_rules:
  - id: welcome
    name: Welcome
    coupon: WELCOME10
    uses_per_coupon: 1
    action: {type: by_percent, amount: 10}
  - id: once
    name: Once per customer
    uses_per_customer: 1
    action: {type: by_percent, amount: 5}
  - id: capped
    name: Capped
    coupon: CAPPED
    budget: {amount: 15}
    action: {type: by_percent, amount: 10}
`

// ordersServers serve ordersRules with a real SQLite usage store, with one
// that is closed (the store is down), and with a closed one failing
// closed (--on-store-unavailable fail-closed).
func ordersServers(t *testing.T) (ord, down, downClosed string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(ordersRules), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, url := range []*string{&ord, &down, &downClosed} {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "usage.db"))
		if err != nil {
			t.Fatal(err)
		}
		var st store.Store = db
		opt := Options{Compile: compileDir(dir), MaxBodyBytes: 4096}
		if i == 2 {
			opt.OnStoreUnavailable = StoreFailClosed
		}
		if i > 0 {
			db.Close()
		} else {
			t.Cleanup(func() { db.Close() })
			st = &togetherStore{Store: db, n: 2, all: make(chan struct{})}
		}
		opt.Store = st
		_, ts := start(t, opt)
		*url = ts.URL
	}
	return ord, down, downClosed
}

// issuerServer serves the demo store with signed membership that wants
// tokens issued by "shop".
func issuerServer(t *testing.T, secret []byte) string {
	t.Helper()
	return keyedServer(t, membership.Keys{Secrets: [][]byte{secret}, Issuer: "shop"}, false)
}

// togetherStore is the SQLite store with one change, for the orders of
// customers named racer-…: their placements wait until n of them have read
// their usage (or a few seconds pass), so that those orders are all priced
// on the same counts and then race for the last use, as orders arriving
// together on replicas do. The store's conditional updates decide the
// race; nothing about the answer is made up.
type togetherStore struct {
	store.Store
	n     int
	mu    sync.Mutex
	reads int
	all   chan struct{} // closed when n have read
}

func (s *togetherStore) Usage(ctx context.Context, rule, code, customer string) (store.Usage, error) {
	u, err := s.Store.Usage(ctx, rule, code, customer)
	if strings.HasPrefix(customer, "racer-") {
		s.mu.Lock()
		if s.reads++; s.reads == s.n {
			close(s.all)
		}
		s.mu.Unlock()
	}
	return u, err
}

func (s *togetherStore) Place(ctx context.Context, o store.Order) ([]byte, bool, error) {
	if strings.HasPrefix(o.Customer, "racer-") {
		select {
		case <-s.all:
		case <-time.After(5 * time.Second):
		}
	}
	return s.Store.Place(ctx, o)
}

// guardedServer serves two rules of 30% and, with coupon SHIP, free
// shipping, under a guardrail of 40%.
func guardedServer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"ruled.yaml": "currency: USD\nguardrails:\n  max_discount_percent: 40\n",
		"rules.yaml": "cart_rules:\n  - {id: a, name: A, priority: 1, action: {type: by_percent, amount: 30}}\n  - {id: b, name: B, priority: 2, action: {type: by_percent, amount: 30}}\n" +
			"  - {id: ship, name: Ship, priority: 3, coupon: SHIP, action: {type: by_percent, amount: 0, free_shipping: shipment}}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, ts := start(t, Options{Compile: compileDir(dir)})
	return ts.URL
}
