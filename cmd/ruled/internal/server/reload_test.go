package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
)

// switchable is a CompileFunc the test can turn from good to broken and
// back.
type switchable struct {
	mu      sync.Mutex
	version string
	diags   diag.List
	err     error
}

func (c *switchable) set(version string, diags diag.List, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version, c.diags, c.err = version, diags, err
}

func (c *switchable) compile() (*Build, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	if c.diags.HasErrors() {
		return &Build{Diagnostics: c.diags, Version: c.version}, nil
	}
	b, err := compileDir(demo)()
	if err != nil {
		return nil, err
	}
	return &Build{Program: b.Program, Diagnostics: c.diags, Version: c.version}, nil
}

func metricsText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

func wantMetrics(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, "\n"+l+"\n") {
			t.Errorf("metrics lack %q", l)
		}
	}
}

func TestReloadKeepsLastGood(t *testing.T) {
	c := &switchable{version: "v1"}
	var logs syncBuffer
	s, ts := start(t, Options{Compile: c.compile, Logger: newLogger(&logs)})

	broken := diag.List{{Pos: diag.Pos{File: "rules/promo.yaml", Line: 4, Col: 5}, Code: "unknown-key",
		Message: `unknown key "priorty" in cart rule; did you mean "priority"?`}}
	c.set("v2", broken, nil)
	_, err := s.Reload(TriggerWatch)
	var rerr *ReloadError
	if !errors.As(err, &rerr) || rerr.Kept != "v1" || len(rerr.Diagnostics) != 1 {
		t.Fatalf("Reload of a broken set: %v", err)
	}
	if g := s.Live().Load(); g.Version != "v1" {
		t.Fatalf("the broken set replaced the good one: version %s", g.Version)
	}
	if code, _, _ := call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, vipCart); code != 200 {
		t.Errorf("evaluate after a failed reload: %d", code)
	}
	_, _, st := call(t, "GET", ts.URL+"/v1/status", "", "")
	last, _ := st["last_reload"].(map[string]any)
	if st["ready"] != true || st["version"] != "v1" || last["ok"] != false || last["trigger"] != "watch" ||
		last["error"] != "reload failed: 1 error in the rules; still serving version v1" {
		t.Errorf("status after a failed reload: %v", st)
	}
	ds, _ := last["diagnostics"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["code"] != "unknown-key" {
		t.Errorf("status diagnostics: %v", last["diagnostics"])
	}
	if !strings.Contains(logs.String(), `diagnostic="rules/promo.yaml:4:5: unknown key \"priorty\" in cart rule; did you mean \"priority\"?"`) {
		t.Errorf("diagnostic not logged:\n%s", logs.String())
	}
	wantMetrics(t, metricsText(t, ts.URL),
		`ruled_reload_last_success 0`, `ruled_reload_errors 1`,
		`ruled_reloads_total{result="failure",trigger="watch"} 1`,
		`ruled_reloads_total{result="success",trigger="start"} 1`,
		`ruled_rule_set_info{version="v1"} 1`)

	// POST /v1/reload says what is wrong, with the diagnostics.
	code, _, res := call(t, "POST", ts.URL+"/v1/reload", "", "")
	if e, _ := res["error"].(map[string]any); code != 422 || e["code"] != "reload_failed" || len(res["diagnostics"].([]any)) != 1 {
		t.Errorf("POST /v1/reload of a broken set: %d %v", code, res)
	}
	c.set("v2", nil, errors.New("rules directory: stat rules: no such file or directory"))
	if code, _, res := call(t, "POST", ts.URL+"/v1/reload", "", ""); code != 500 || !strings.Contains(res["error"].(map[string]any)["message"].(string), "no such file") {
		t.Errorf("POST /v1/reload of an unreadable directory: %d %v", code, res)
	}

	// Fixed: the new set goes in whole.
	c.set("v3", nil, nil)
	code, _, res = call(t, "POST", ts.URL+"/v1/reload", "", "")
	if code != 200 || res["ok"] != true || res["version"] != "v3" {
		t.Fatalf("POST /v1/reload of a good set: %d %v", code, res)
	}
	_, _, st = call(t, "GET", ts.URL+"/v1/status", "", "")
	last, _ = st["last_reload"].(map[string]any)
	failure, _ := st["last_failure"].(map[string]any)
	if st["version"] != "v3" || st["generation"] != 2.0 || last["ok"] != true || last["trigger"] != "api" || failure["ok"] != false {
		t.Errorf("status after the fix: %v", st)
	}
	text := metricsText(t, ts.URL)
	wantMetrics(t, text, `ruled_reload_last_success 1`, `ruled_reload_errors 0`,
		`ruled_reloads_total{result="failure",trigger="api"} 2`,
		`ruled_reloads_total{result="success",trigger="api"} 1`,
		`ruled_rule_set_info{version="v3"} 1`)
	if strings.Contains(text, `version="v1"`) {
		t.Error("metrics still show the old version")
	}
}

func TestStatus(t *testing.T) {
	_, ts := start(t, Options{RulesDir: demo})
	_, _, st := call(t, "GET", ts.URL+"/v1/status", "", "")
	counts, _ := st["counts"].(map[string]any)
	files := strs(st["files"])
	if st["ready"] != true || st["rules_dir"] != demo || len(st["version"].(string)) != 16 ||
		st["currency"] != "USD" || st["timezone"] != "America/New_York" || st["loaded_at"] == nil {
		t.Errorf("status: %v", st)
	}
	if counts["cart_rules"].(float64) < 20 || counts["audiences"] != 7.0 || int(counts["files"].(float64)) != len(files) {
		t.Errorf("counts %v, files %v", counts, files)
	}
	if !contains(files, "audiences.yaml") || !contains(files, "rules/targeted.yaml") {
		t.Errorf("files: %v", files)
	}
	if st["last_failure"] != nil {
		t.Errorf("last_failure = %v, want null", st["last_failure"])
	}
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func TestMetrics(t *testing.T) {
	_, ts := start(t, Options{})
	call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, vipCart, "aep-segments-membership", vipID)
	call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, `{"items": 1}`)
	call(t, "GET", ts.URL+"/nope", "", "")
	text := metricsText(t, ts.URL)
	wantMetrics(t, text,
		`ruled_http_requests_total{code="200",route="evaluate"} 1`,
		`ruled_http_requests_total{code="400",route="evaluate"} 1`,
		`ruled_http_requests_total{code="404",route="other"} 1`,
		`ruled_http_request_duration_seconds_count{code="200",route="evaluate"} 1`,
		`ruled_evaluations_total{api="rest",result="ok"} 1`,
		`ruled_evaluations_total{api="rest",result="invalid"} 1`,
		`ruled_rule_applications_total{rule="vip-15-everything"} 1`,
		`ruled_reload_last_success 1`,
	)
	for _, name := range []string{"ruled_rule_set_info{version=", "ruled_rule_set_cart_rules ", "ruled_reload_duration_seconds_count ", "go_goroutines ", "ruled_reload_last_success_timestamp_seconds "} {
		if !strings.Contains(text, "\n"+name) {
			t.Errorf("metrics lack %s", name)
		}
	}
}

// blocking is a CompileFunc whose builds wait until the test lets them go,
// and which counts them.
type blocking struct {
	builds  atomic.Int32
	entered chan struct{} // a build started
	release chan struct{} // lets one build finish
	prog    *engine.Program
}

func (c *blocking) compile() (*Build, error) {
	n := c.builds.Add(1)
	c.entered <- struct{}{}
	<-c.release
	return &Build{Program: c.prog, Version: fmt.Sprintf("v%d", n)}, nil
}

// TestReloadCoalesces fires triggers while a reload runs: they share one
// more reload, started after all of them, instead of running one each.
func TestReloadCoalesces(t *testing.T) {
	demoBuild, err := compileDir(demo)()
	if err != nil {
		t.Fatal(err)
	}
	c := &blocking{entered: make(chan struct{}, 10), release: make(chan struct{}), prog: demoBuild.Program}
	s := New(Options{Compile: c.compile})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)

	first := make(chan *engine.Generation)
	go func() {
		g, _ := s.Reload(TriggerStart)
		first <- g
	}()
	<-c.entered // the first reload is reading the files

	const waiting = 5
	results := make(chan *engine.Generation, waiting)
	for i := range waiting {
		trigger := []string{TriggerWatch, TriggerAPI, TriggerSignal}[i%3]
		go func() {
			g, err := s.Reload(trigger)
			if err != nil {
				t.Errorf("Reload(%s): %v", trigger, err)
			}
			results <- g
		}()
	}
	// Every trigger is waiting once the metric has counted it.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(metricsText(t, ts.URL), fmt.Sprintf("\nruled_reload_coalesced_total %d\n", waiting-1)) {
		if time.Now().After(deadline) {
			t.Fatalf("triggers did not coalesce:\n%s", metricsText(t, ts.URL))
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.release <- struct{}{}
	if g := <-first; g == nil || g.Seq != 1 || g.Version != "v1" {
		t.Fatalf("first reload: %+v", g)
	}
	<-c.entered // the one reload every waiting trigger shares
	c.release <- struct{}{}
	for range waiting {
		if g := <-results; g == nil || g.Seq != 2 || g.Version != "v2" {
			t.Errorf("coalesced reload: %+v, want generation 2 (v2)", g)
		}
	}
	if n := c.builds.Load(); n != 2 {
		t.Errorf("%d builds for 1 + %d triggers, want 2", n, waiting)
	}
	_, _, st := call(t, "GET", ts.URL+"/v1/status", "", "")
	last, _ := st["last_reload"].(map[string]any)
	if last["coalesced"] != float64(waiting-1) {
		t.Errorf("last reload: %v, want %d coalesced", last, waiting-1)
	}
}

// TestReloadUnchanged: the watch finding the version last read changes
// nothing; an asked-for reload still swaps a new generation in.
func TestReloadUnchanged(t *testing.T) {
	s, ts := start(t, Options{})
	g, err := s.Reload(TriggerWatch)
	if err != nil || g.Seq != 1 {
		t.Fatalf("watch reload of unchanged files: %+v, %v; want generation 1 still", g, err)
	}
	if g, err := s.Reload(TriggerSignal); err != nil || g.Seq != 2 {
		t.Fatalf("SIGHUP reload of unchanged files: %+v, %v; want generation 2", g, err)
	}
	wantMetrics(t, metricsText(t, ts.URL),
		`ruled_reloads_total{result="unchanged",trigger="watch"} 1`,
		`ruled_reloads_total{result="success",trigger="signal"} 1`)

	// The stages of the reload in service are on /v1/status.
	_, _, st := call(t, "GET", ts.URL+"/v1/status", "", "")
	last, _ := st["last_reload"].(map[string]any)
	var names []string
	for _, v := range last["stages"].([]any) {
		names = append(names, v.(map[string]any)["stage"].(string))
	}
	if want := []string{"read", "parse", "validate", "compile", "swap"}; !slices.Equal(names, want) {
		t.Errorf("stages %v, want %v", names, want)
	}
	if last["files"].(float64) < 10 || last["parsed"].(float64) < 10 {
		t.Errorf("files %v, parsed %v", last["files"], last["parsed"])
	}
	text := metricsText(t, ts.URL)
	for _, stage := range names {
		if !strings.Contains(text, `ruled_reload_stage_duration_seconds_count{stage="`+stage+`"} 2`) {
			t.Errorf("metrics lack the %s stage of both reloads", stage)
		}
	}

	// A broken version read again by the watch is not reported again.
	c := &switchable{version: "v1"}
	var logs syncBuffer
	s2, _ := start(t, Options{Compile: c.compile, Logger: newLogger(&logs)})
	c.set("v2", diag.List{{Pos: diag.Pos{File: "r.yaml", Line: 1, Col: 1}, Code: "yaml-syntax", Message: "syntax error"}}, nil)
	for range 3 {
		if _, err := s2.Reload(TriggerWatch); err == nil {
			t.Fatal("reload of a broken set: no error")
		}
	}
	if n := strings.Count(logs.String(), `msg="reload failed"`); n != 1 {
		t.Errorf("the same broken files were reported %d times, want once:\n%s", n, logs.String())
	}
}
