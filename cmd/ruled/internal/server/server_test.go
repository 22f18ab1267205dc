package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

const (
	demo     = "../../../../testdata/demo"
	vipID    = "a791c66e-df31-4216-bf09-4f07500b5c0f" // VIP Shoppers
	churnID  = "894a1d6f-ff5a-4b23-b517-0cfd81ba7d94" // Churn Risk
	vipCart  = `{"now": "2026-10-01T12:00:00Z", "customer": {"group": "vip"}, "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`
	jsonType = "application/json"
)

// demoNow is the clock of the tests: mid-October 2026, before Black Friday.
var demoNow = time.Date(2026, 10, 16, 20, 0, 0, 0, time.UTC)

// compileDir is what `ruled check` runs, for the tests of this package
// (which, as a package, must not import the loader).
func compileDir(dir string) CompileFunc {
	return func() (*Build, error) {
		set, diags, st, err := new(loader.Cache).Load(dir)
		if err != nil {
			return nil, err
		}
		b := &Build{Version: st.Version, Files: st.Files, Parsed: st.Parsed,
			Stages: []Stage{{"read", st.Read}, {"parse", st.Parse}, {"validate", st.Validate}}}
		if diags.HasErrors() {
			b.Diagnostics = diags
			return b, nil
		}
		start := time.Now()
		b.Program, b.Diagnostics = engine.Compile(set)
		b.Stages = append(b.Stages, Stage{"compile", time.Since(start)})
		b.Diagnostics = append(diags, b.Diagnostics...)
		return b, nil
	}
}

// start serves opt over a real listener on loopback, with the demo store
// loaded unless opt.Compile is set.
func start(t testing.TB, opt Options) (*Server, *httptest.Server) {
	t.Helper()
	if opt.Compile == nil {
		opt.Compile = compileDir(demo)
	}
	if opt.Now == nil {
		opt.Now = func() time.Time { return demoNow }
	}
	s := New(opt)
	if _, err := s.Reload(TriggerStart); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// call makes a request and decodes the JSON answer into a generic value.
func call(t testing.TB, method, url, contentType, body string, header ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if len(data) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), jsonType) {
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, url, err, data)
		}
	}
	return resp.StatusCode, resp.Header, v
}

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func TestEvaluateMembership(t *testing.T) {
	_, ts := start(t, Options{})
	_, custom := start(t, Options{MembershipHeader: "X-Segments", MembershipCookie: "segs"})
	churnCart := strings.Replace(vipCart, `"items"`, `"segments": ["`+churnID+`"], "items"`, 1)
	tests := []struct {
		name   string
		url    string
		cart   string
		header []string
		want   []string // audiences
	}{
		{"none", ts.URL, vipCart, nil, nil},
		{"header", ts.URL, vipCart, []string{"aep-segments-membership", vipID}, []string{"VIP Shoppers"}},
		{"header url-encoded list", ts.URL, vipCart, []string{"aep-segments-membership", "unknown-id%2C" + vipID}, []string{"VIP Shoppers"}},
		{"cookie", ts.URL, vipCart, []string{"Cookie", "session=abc; aep-segments-membership=" + vipID}, []string{"VIP Shoppers"}},
		{"cookie JSON array as sent", ts.URL, vipCart, []string{"Cookie", `aep-segments-membership=["` + vipID + `"]`}, []string{"VIP Shoppers"}},
		{"body segments", ts.URL, churnCart, nil, []string{"Churn Risk"}},
		{"header and body: union", ts.URL, churnCart, []string{"aep-segments-membership", vipID}, []string{"VIP Shoppers", "Churn Risk"}},
		{"header wins over cookie", ts.URL, vipCart, []string{"aep-segments-membership", churnID, "Cookie", "aep-segments-membership=" + vipID}, []string{"Churn Risk"}},
		{"empty header: cookie", ts.URL, vipCart, []string{"aep-segments-membership", " ", "Cookie", "aep-segments-membership=" + vipID}, []string{"VIP Shoppers"}},
		{"configured header", custom.URL, vipCart, []string{"X-Segments", vipID}, []string{"VIP Shoppers"}},
		{"configured cookie", custom.URL, vipCart, []string{"Cookie", "segs=" + vipID}, []string{"VIP Shoppers"}},
		{"default names not read when configured", custom.URL, vipCart, []string{"aep-segments-membership", vipID}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, res := call(t, "POST", tt.url+"/v1/cart/evaluate", jsonType, tt.cart, tt.header...)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, res)
			}
			got := strs(res["audiences"])
			if diff := cmp.Diff(tt.want, got, cmpSet); diff != "" {
				t.Errorf("audiences (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpSet = cmp.Transformer("set", func(l []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range l {
		m[s] = true
	}
	return m
})

func TestEvaluateResult(t *testing.T) {
	_, ts := start(t, Options{})
	cart, err := readFile(demo + "/carts/vip-shoes.json")
	if err != nil {
		t.Fatal(err)
	}
	code, _, plain := call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, cart)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, plain)
	}
	// The same cart through the engine directly gives the same answer.
	b, _ := compileDir(demo)()
	prog := b.Program
	c, err := engine.DecodeCart([]byte(cart), prog.CartDefaults())
	if err != nil {
		t.Fatal(err)
	}
	res, err := prog.Evaluate(c, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	data, _ := json.Marshal(res)
	_ = json.Unmarshal(data, &want)
	if diff := cmp.Diff(want, plain); diff != "" {
		t.Errorf("HTTP answer differs from the engine's (-engine +http):\n%s", diff)
	}
	if _, ok := plain["explain"]; ok {
		t.Error("explain without ?explain=true")
	}
	_, _, explained := call(t, "POST", ts.URL+"/v1/cart/evaluate?explain=true", "application/json; charset=utf-8", cart)
	if ex, _ := explained["explain"].([]any); len(ex) == 0 {
		t.Errorf("?explain=true: no explanation in %v", explained)
	}
}

func readFile(name string) (string, error) {
	data, err := os.ReadFile(name)
	return string(data), err
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestErrors covers every error answer of the REST API: status, code,
// message and field.
func TestErrors(t *testing.T) {
	_, ts := start(t, Options{MaxBodyBytes: 4096})
	empty := httptest.NewServer(New(Options{Compile: compileDir(demo)}).Handler()) // never loaded
	t.Cleanup(empty.Close)
	big := `{"items": [` + strings.Repeat(`{"sku": "A", "qty": 1, "price": 1},`, 200) + `{"sku": "A", "qty": 1, "price": 1}]}`
	tests := []struct {
		name, method, url, ctype, body string
		header                         []string
		status                         int
		code, field, message           string
	}{
		{"bad field", "POST", "/v1/cart/evaluate", jsonType, `{"items": [{"sku": "A", "qty": 1, "price": 1}, {"sku": "B", "qty": -2, "price": 1}]}`, nil,
			400, "invalid_input", "items[1].qty", "items[1].qty: must be > 0"},
		{"unknown field", "POST", "/v1/cart/evaluate", jsonType, `{"coupon": "X"}`, nil,
			400, "invalid_input", "coupon", "did you mean"},
		{"malformed JSON", "POST", "/v1/cart/evaluate", jsonType, `{"items": [`, nil,
			400, "invalid_input", "", ""},
		{"wrong currency", "POST", "/v1/cart/evaluate", jsonType, `{"currency": "EUR"}`, nil,
			400, "invalid_input", "currency", "website \"base\" prices in USD"},
		{"malformed header", "POST", "/v1/cart/evaluate", jsonType, vipCart, []string{"aep-segments-membership", "%zz"},
			400, "invalid_membership", "header:aep-segments-membership", "header aep-segments-membership: malformed percent-encoding at byte 0"},
		{"malformed cookie", "POST", "/v1/cart/evaluate", jsonType, vipCart, []string{"Cookie", "aep-segments-membership=[1,2]"},
			400, "invalid_membership", "cookie:aep-segments-membership", "cookie aep-segments-membership: JSON array element 0 is a number, want a string"},
		{"bad explain", "POST", "/v1/cart/evaluate?explain=yes%20please", jsonType, vipCart, nil,
			400, "invalid_input", "query:explain", "want true or false"},
		{"bad sort", "GET", "/v1/audiences?sort=size", "", "", nil,
			400, "invalid_input", "query:sort", "want one of name, updated, origin"},
		{"bad order", "GET", "/v1/audiences?order=up", "", "", nil,
			400, "invalid_input", "query:order", "want one of asc, desc"},
		{"no such endpoint", "GET", "/v2/cart", "", "", nil,
			404, "not_found", "", "no endpoint at /v2/cart"},
		{"trailing slash", "GET", "/v1/rules/", "", "", nil,
			404, "not_found", "", ""},
		{"GET evaluate", "GET", "/v1/cart/evaluate", "", "", nil,
			405, "method_not_allowed", "", "method GET is not allowed on /v1/cart/evaluate: use POST"},
		{"DELETE rules", "DELETE", "/v1/rules", "", "", nil,
			405, "method_not_allowed", "", "use GET, HEAD"},
		{"too large", "POST", "/v1/cart/evaluate", jsonType, big, nil,
			413, "body_too_large", "", "larger than the limit of 4096 bytes"},
		{"form post", "POST", "/v1/cart/evaluate", "application/x-www-form-urlencoded", vipCart, nil,
			415, "unsupported_media_type", "", "send the body as application/json"},
		{"no content type", "POST", "/v1/cart/evaluate", "", vipCart, nil,
			415, "unsupported_media_type", "", "no Content-Type"},
		{"not ready", "POST", empty.URL + "/v1/cart/evaluate", jsonType, vipCart, nil,
			503, "not_ready", "", "no rule set is loaded yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if strings.HasPrefix(url, "/") {
				url = ts.URL + url
			}
			code, h, res := call(t, tt.method, url, tt.ctype, tt.body, tt.header...)
			e, _ := res["error"].(map[string]any)
			if code != tt.status || e["code"] != tt.code {
				t.Fatalf("status %d, body %v; want %d %s", code, res, tt.status, tt.code)
			}
			if f, _ := e["field"].(string); f != tt.field {
				t.Errorf("field = %q, want %q", f, tt.field)
			}
			if m, _ := e["message"].(string); !strings.Contains(m, tt.message) {
				t.Errorf("message = %q, want it to contain %q", m, tt.message)
			}
			if tt.status == 405 && h.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// TestBodyLimitChunked sends a body of unknown length over the limit.
func TestBodyLimitChunked(t *testing.T) {
	_, ts := start(t, Options{MaxBodyBytes: 1024})
	body := io.MultiReader(strings.NewReader(`{"items": [`), strings.NewReader(strings.Repeat(" ", 4096)))
	req, _ := http.NewRequest("POST", ts.URL+"/v1/cart/evaluate", body)
	req.Header.Set("Content-Type", jsonType)
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

func TestPanicRecovered(t *testing.T) {
	var logs syncBuffer
	s := New(Options{Compile: compileDir(demo), Logger: newLogger(&logs)})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	rec := httptest.NewRecorder()
	s.serve(h, rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"code":"internal"`) {
		t.Errorf("answer %d %s, want 500 internal", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "panic serving request") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged:\n%s", logs.String())
	}
}

func TestRequestID(t *testing.T) {
	_, ts := start(t, Options{})
	_, h, _ := call(t, "GET", ts.URL+"/healthz", "", "", "X-Request-Id", "edge-42.a")
	if got := h.Get("X-Request-Id"); got != "edge-42.a" {
		t.Errorf("X-Request-Id = %q, want the client's", got)
	}
	_, h1, _ := call(t, "GET", ts.URL+"/healthz", "", "", "X-Request-Id", "bad id <script>")
	_, h2, _ := call(t, "GET", ts.URL+"/healthz", "", "")
	if a, b := h1.Get("X-Request-Id"), h2.Get("X-Request-Id"); a == "" || b == "" || a == b || strings.Contains(a, " ") {
		t.Errorf("generated ids %q and %q", a, b)
	}
}

func TestHealth(t *testing.T) {
	s := New(Options{Compile: compileDir(demo)})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	if code, _, _ := call(t, "GET", ts.URL+"/healthz", "", ""); code != 200 {
		t.Errorf("healthz before load: %d", code)
	}
	if code, _, _ := call(t, "GET", ts.URL+"/readyz", "", ""); code != 503 {
		t.Errorf("readyz before load: %d, want 503", code)
	}
	if _, err := s.Reload(TriggerStart); err != nil {
		t.Fatal(err)
	}
	code, _, res := call(t, "GET", ts.URL+"/readyz", "", "")
	if code != 200 || res["version"] == "" {
		t.Errorf("readyz after load: %d %v", code, res)
	}
	req, _ := http.NewRequest("HEAD", ts.URL+"/healthz", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("HEAD /healthz: %v %v", resp, err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the
// test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
