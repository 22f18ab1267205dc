package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// serveLog collects the JSON log of `ruled serve` and tells when it
// listens.
type serveLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	addr  chan string
	found bool
}

func (l *serveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for line := range bytes.Lines(p) { // access log lines come in batches
		var rec struct{ Msg, Addr string }
		if !l.found && json.Unmarshal(line, &rec) == nil && rec.Msg == "serving" {
			l.found = true
			l.addr <- rec.Addr
		}
	}
	return len(p), nil
}

func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// served is a running `ruled serve`.
type served struct {
	url  string
	log  *serveLog
	stop func() int // cancels the command's context and returns its exit code
}

// serve runs `ruled serve --addr 127.0.0.1:0 --log-format json args...`
// through run, as main does, until the test ends.
func serve(t *testing.T, args ...string) served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := &serveLog{addr: make(chan string, 1)}
	code := make(chan int, 1)
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)
	go func() { code <- run(ctx, args, strings.NewReader(""), io.Discard, log) }()
	var stopped atomic.Bool
	result := -1
	stop := func() int {
		if stopped.CompareAndSwap(false, true) {
			cancel()
			select {
			case result = <-code:
			case <-time.After(20 * time.Second):
				t.Errorf("ruled serve did not stop within 20s of its context ending\n%s", log)
			}
		}
		return result
	}
	t.Cleanup(func() { stop() })
	select {
	case addr := <-log.addr:
		return served{url: "http://" + addr, log: log, stop: stop}
	case c := <-code:
		stopped.Store(true)
		cancel()
		t.Fatalf("ruled serve exited with %d before listening\n%s", c, log)
	case <-time.After(10 * time.Second):
		t.Fatalf("ruled serve did not listen within 10s\n%s", log)
	}
	return served{}
}

// getJSON fetches url and decodes its JSON answer.
func getJSON(t *testing.T, c *http.Client, method, url, body string, header ...string) (int, map[string]any, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: answer is not JSON: %w", method, url, err)
	}
	return resp.StatusCode, v, nil
}

const (
	vipSegment = "a791c66e-df31-4216-bf09-4f07500b5c0f"
	oneLine    = `{"now": "2026-10-01T12:00:00Z", "customer": {"group": "vip"}, "items": [{"sku": "NW-SECRET-SKU", "qty": 1, "price": "100.00"}]}`
)

func TestServeDemo(t *testing.T) {
	s := serve(t, "--rules", "../../testdata/demo", "--watch", "off")
	c := &http.Client{Timeout: 10 * time.Second}

	// A headless storefront's call, in the form of Adobe's curl example.
	q := `{"query":"query { evaluateCart(cart: {now: \"2026-10-01T12:00:00Z\", customer: {group: \"vip\"}, items: [{sku: \"NW-SECRET-SKU\", qty: 2, price: 139.00}]}) { appliedRules { id } totals { grandTotal } audiences } }"}`
	code, res, err := getJSON(t, c, "POST", s.url+"/graphql", q, "aep-segments-membership", url.QueryEscape(vipSegment+",other-segment"))
	if err != nil || code != 200 || res["errors"] != nil {
		t.Fatalf("GraphQL: %d %v %v", code, res, err)
	}
	ev := res["data"].(map[string]any)["evaluateCart"].(map[string]any)
	if ev["totals"].(map[string]any)["grandTotal"] != "236.30" || fmt.Sprint(ev["audiences"]) != "[VIP Shoppers]" {
		t.Errorf("GraphQL evaluation: %v", ev)
	}

	// A Luma-style storefront forwards the cookie.
	code, res, err = getJSON(t, c, "POST", s.url+"/v1/cart/evaluate", oneLine, "Cookie", "aep-segments-membership="+vipSegment)
	if err != nil || code != 200 || fmt.Sprint(res["audiences"]) != "[VIP Shoppers]" {
		t.Errorf("REST with cookie: %d %v %v", code, res, err)
	}
	code, res, _ = getJSON(t, c, "POST", s.url+"/v1/cart/evaluate", oneLine, "aep-segments-membership", "%G1")
	if e, _ := res["error"].(map[string]any); code != 400 || e["field"] != "header:aep-segments-membership" {
		t.Errorf("malformed header: %d %v", code, res)
	}
	for _, path := range []string{"/healthz", "/readyz", "/v1/status", "/v1/rules", "/v1/audiences", "/v1/blocks"} {
		if code, _, err := getJSON(t, c, "GET", s.url+path, ""); code != 200 || err != nil {
			t.Errorf("GET %s: %d %v", path, code, err)
		}
	}

	if code := s.stop(); code != exitOK {
		t.Errorf("exit %d after shutdown, want 0", code)
	}
	logs := s.log.String()
	for _, want := range []string{`"msg":"rule set loaded"`, `"msg":"request"`, `"route":"evaluate"`, `"request_id":`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "NW-SECRET-SKU") {
		t.Error("cart contents in the info log")
	}
}

func TestServeEnv(t *testing.T) {
	t.Setenv("RULED_RULES", "../../testdata/demo")
	t.Setenv("RULED_WATCH", "off")
	s := serve(t)
	if code, res, err := getJSON(t, http.DefaultClient, "GET", s.url+"/v1/status", ""); code != 200 || res["rules_dir"] != "../../testdata/demo" {
		t.Errorf("status: %d %v %v", code, res, err)
	}
}

func TestServeStartFailures(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		log  string
	}{
		{"missing directory", []string{"--rules", "testdata/nope"}, exitCantRun, "rules directory"},
		{"broken rules", []string{"--rules", "testdata/broken"}, exitWrong, `testdata/broken/rules.yaml:4:5: unknown key \"priorty\" in cart rule`},
		{"no rules", []string{"--rules", "../../testdata/demo/carts"}, exitWrong, `../../testdata/demo/carts: no rules: found 17 files`},
		{"bad address", []string{"--rules", "../../testdata/demo", "--addr", "127.0.0.1:99999"}, exitCantRun, "cannot listen"},
		{"bad flag", []string{"--watch", "sometimes"}, exitCantRun, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			args := append([]string{"serve", "--log-format", "json", "--addr", "127.0.0.1:0"}, tt.args...)
			code := run(context.Background(), args, strings.NewReader(""), io.Discard, &logs)
			if code != tt.code || !strings.Contains(logs.String(), tt.log) {
				t.Errorf("exit %d, want %d; log lacks %s:\n%s", code, tt.code, tt.log, logs.String())
			}
		})
	}
}

func TestServeSIGHUP(t *testing.T) {
	s := serve(t, "--rules", "../../testdata/demo", "--watch", "off")
	p, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(syscall.SIGHUP); err != nil {
		t.Skipf("cannot send SIGHUP here: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, res, _ := getJSON(t, http.DefaultClient, "GET", s.url+"/v1/status", "")
		if last, _ := res["last_reload"].(map[string]any); last["trigger"] == "signal" && last["ok"] == true && res["generation"] == 2.0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reload after SIGHUP: %v", res)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeGracefulShutdown stops the server while a request is half sent:
// the request still gets its answer, and the command exits 0.
func TestServeGracefulShutdown(t *testing.T) {
	s := serve(t, "--rules", "../../testdata/demo", "--watch", "off")
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(oneLine) / 2
	fmt.Fprintf(conn, "POST /v1/cart/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(oneLine), oneLine[:half])
	time.Sleep(100 * time.Millisecond) // the handler is reading the body
	code := make(chan int, 1)
	go func() { code <- s.stop() }()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "http://"), time.Second)
		if err != nil {
			break // shutdown has begun: no new connections
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 2s into the shutdown")
		}
	}
	io.WriteString(conn, oneLine[half:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("in-flight request: status %d", resp.StatusCode)
	}
	if c := <-code; c != exitOK {
		t.Errorf("exit %d, want 0", c)
	}
}

// TestServeShutdownBounded: a client that never finishes its request does
// not hold the process beyond --shutdown-timeout.
func TestServeShutdownBounded(t *testing.T) {
	s := serve(t, "--rules", "../../testdata/demo", "--watch", "off", "--shutdown-timeout", "300ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/cart/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if c := s.stop(); c != exitOK {
		t.Errorf("exit %d, want 0", c)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %s with a 300ms bound", d)
	}
	if !strings.Contains(s.log.String(), "cut off") {
		t.Errorf("the cut-off requests are not logged:\n%s", s.log)
	}
}

func ruleFile(id string, percent int) string {
	return fmt.Sprintf("cart_rules:\n  - id: %s\n    name: %s\n    when: audience(\"VIP Shoppers\")\n    action: {type: by_percent, amount: %d}\n", id, id, percent)
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// configMap puts files in dir as Kubernetes mounts a ConfigMap: a new
// timestamped directory, the ..data link swapped to it in one rename, files
// linked through ..data, and the old directory removed.
func configMap(t *testing.T, dir, stamp string, files map[string]string) {
	t.Helper()
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	for name, content := range files {
		writeFile(t, filepath.Join(dir, stamp, name), content)
	}
	if err := os.Symlink(stamp, filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if old != "" {
		os.RemoveAll(filepath.Join(dir, old))
	}
}

// TestServeHotReload changes the rules under a running server while
// clients keep evaluating carts over REST and GraphQL: a new file in a new
// directory, a save by rename, a deletion, a broken file (the last good set
// stays, and /v1/status says why), its fix, and a ConfigMap ..data swap.
// Not one request may fail.
func TestServeHotReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ruled.yaml"), "currency: USD\n")
	writeFile(t, filepath.Join(dir, "audiences.yaml"), "audiences:\n  - id: "+vipSegment+"\n    name: VIP Shoppers\n")
	writeFile(t, filepath.Join(dir, "base.yaml"), ruleFile("base", 10))
	configMap(t, filepath.Join(dir, "mounted"), "..2026_11_01_00_00_00.1", map[string]string{"promo.yaml": ruleFile("promo-a", 1)})

	s := serve(t, "--rules", dir, "--debounce", "20ms", "--debounce-max", "200ms", "--rescan", "2s")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}

	// Clients hammer both APIs for the whole test.
	var requests, failures atomic.Int64
	var firstFailure atomic.Value
	fail := func(format string, args ...any) {
		if failures.Add(1) == 1 {
			firstFailure.Store(fmt.Sprintf(format, args...))
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	gqlBody, _ := json.Marshal(map[string]string{"query": `{ evaluateCart(cart: {items: [{sku: "A", qty: 1, price: "100.00"}]}) { ruleSetVersion appliedRules { id } totals { grandTotal } } }`})
	for i := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				requests.Add(1)
				if i == 0 {
					code, res, err := getJSON(t, client, "POST", s.url+"/graphql", string(gqlBody), "aep-segments-membership", vipSegment)
					if err != nil || code != 200 || res["errors"] != nil || res["data"] == nil {
						fail("GraphQL: %d %v %v", code, res, err)
					}
					continue
				}
				code, res, err := getJSON(t, client, "POST", s.url+"/v1/cart/evaluate", `{"items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`, "aep-segments-membership", vipSegment)
				if err != nil || code != 200 || res["totals"] == nil {
					fail("REST: %d %v %v", code, res, err)
				}
			}
		})
	}
	defer func() {
		close(stop)
		wg.Wait()
		if n := failures.Load(); n > 0 {
			t.Errorf("%d of %d requests failed; the first: %v", n, requests.Load(), firstFailure.Load())
		}
		t.Logf("%d requests during the reloads", requests.Load())
	}()

	status := func() map[string]any {
		_, res, err := getJSON(t, client, "GET", s.url+"/v1/status", "")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// waitRules waits for the rule set in service to have exactly these
	// rule ids.
	waitRules := func(step string, want ...string) {
		t.Helper()
		slices.Sort(want)
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, res, err := getJSON(t, client, "GET", s.url+"/v1/rules", "")
			var got []string
			if err == nil {
				for _, r := range res["rules"].([]any) {
					got = append(got, r.(map[string]any)["id"].(string))
				}
			}
			slices.Sort(got)
			if slices.Equal(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: rules %v after 5s, want %v\nstatus: %v\nlog:\n%s", step, got, want, status(), s.log)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitRules("start", "base", "promo-a")

	writeFile(t, filepath.Join(dir, "seasonal", "winter", "new.yaml"), ruleFile("new-1", 2))
	waitRules("new file in a new directory", "base", "new-1", "promo-a")

	tmp := filepath.Join(dir, ".base.yaml.swp-4f2a")
	writeFile(t, tmp, ruleFile("base-v2", 12))
	if err := os.Rename(tmp, filepath.Join(dir, "base.yaml")); err != nil {
		t.Fatal(err)
	}
	waitRules("save by rename", "base-v2", "new-1", "promo-a")

	if err := os.Remove(filepath.Join(dir, "seasonal", "winter", "new.yaml")); err != nil {
		t.Fatal(err)
	}
	waitRules("deleted file", "base-v2", "promo-a")

	good := status()["version"]
	writeFile(t, filepath.Join(dir, "broken.yaml"), strings.Replace(ruleFile("broken", 5), "    when:", "    priorty: 1\n    when:", 1))
	deadline := time.Now().Add(5 * time.Second)
	var st map[string]any
	for {
		st = status()
		if last, _ := st["last_reload"].(map[string]any); last["ok"] == false {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broken file: no failed reload after 5s: %v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	last := st["last_reload"].(map[string]any)
	d, _ := last["diagnostics"].([]any)
	if st["version"] != good || st["ready"] != true || len(d) == 0 {
		t.Fatalf("broken file: status %v", st)
	}
	diag := d[0].(map[string]any)
	pos := diag["pos"].(map[string]any)
	if diag["code"] != "unknown-key" || !strings.HasSuffix(pos["file"].(string), "broken.yaml") || pos["line"] != 4.0 || pos["col"] != 5.0 {
		t.Errorf("broken file: diagnostic %v", diag)
	}
	if !strings.Contains(s.log.String(), `broken.yaml:4:5: unknown key \"priorty\"`) {
		t.Errorf("broken file: diagnostic not logged")
	}
	waitRules("broken file: last good set kept", "base-v2", "promo-a")

	writeFile(t, filepath.Join(dir, "broken.yaml"), ruleFile("fixed", 3))
	waitRules("fixed file", "base-v2", "fixed", "promo-a")
	if last := status()["last_reload"].(map[string]any); last["ok"] != true {
		t.Errorf("after the fix: last reload %v", last)
	}

	configMap(t, filepath.Join(dir, "mounted"), "..2026_11_02_00_00_00.2", map[string]string{"promo.yaml": ruleFile("promo-b", 4)})
	waitRules("ConfigMap ..data swap", "base-v2", "fixed", "promo-b")
}

// TestServeBlocksHotReload: a block's content file is part of the rule set.
// Edited while serving, the next requests get the new content; a block file
// naming an unknown placement (or a content file that is gone) fails the
// reload, and the last good set, content and all, stays in service.
func TestServeBlocksHotReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ruled.yaml"), "currency: USD\n")
	writeFile(t, filepath.Join(dir, "audiences.yaml"), "audiences:\n  - id: "+vipSegment+"\n    name: VIP Shoppers\n")
	writeFile(t, filepath.Join(dir, "rules.yaml"), ruleFile("base", 10))
	writeFile(t, filepath.Join(dir, "banners", "blocks.yaml"), `placements:
  - {id: home.hero, name: Home hero}
blocks:
  - id: hero
    name: Hero
    placement: home.hero
    content_file: html/hero.html
    data: {cta: Shop}
`)
	writeFile(t, filepath.Join(dir, "banners", "html", "hero.html"), "<h1>v1</h1>\n")

	s := serve(t, "--rules", dir, "--debounce", "20ms", "--debounce-max", "200ms", "--rescan", "2s")
	client := &http.Client{Timeout: 10 * time.Second}
	content := func() string {
		t.Helper()
		code, res, err := getJSON(t, client, "POST", s.url+"/v1/blocks", `{"placements": ["home.hero"]}`)
		if err != nil || code != 200 {
			t.Fatalf("POST /v1/blocks: %d %v %v", code, res, err)
		}
		bs := res["blocks"].(map[string]any)["home.hero"].([]any)
		if len(bs) != 1 {
			t.Fatalf("home.hero: %v", bs)
		}
		return bs[0].(map[string]any)["content"].(string)
	}
	status := func() map[string]any {
		t.Helper()
		_, res, err := getJSON(t, client, "GET", s.url+"/v1/status", "")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	waitContent := func(step, want string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			got := content()
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: content %q after 5s, want %q\nstatus: %v\nlog:\n%s", step, got, want, status(), s.log)
			}
		}
	}
	// waitFailed waits for a failed reload and returns its first diagnostic.
	waitFailed := func(step string) map[string]any {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			st := status()
			if last, _ := st["last_reload"].(map[string]any); last["ok"] == false {
				d, _ := last["diagnostics"].([]any)
				if len(d) == 0 {
					t.Fatalf("%s: failed reload without diagnostics: %v", step, st)
				}
				return d[0].(map[string]any)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no failed reload after 5s: %v", step, st)
			}
		}
	}

	waitContent("start", "<h1>v1</h1>\n")
	v1 := status()["version"]

	writeFile(t, filepath.Join(dir, "banners", "html", "hero.html"), "<h1>v2</h1>\n")
	waitContent("content file edited", "<h1>v2</h1>\n")
	good := status()["version"]
	if good == v1 {
		t.Errorf("the version did not change with the content file: %v", good)
	}

	writeFile(t, filepath.Join(dir, "banners", "more.yaml"), `blocks:
  - id: strip
    name: Strip
    placement: cart.strip
    content: Hi
`)
	d := waitFailed("unknown placement")
	pos := d["pos"].(map[string]any)
	if d["code"] != "unknown-placement" || !strings.HasSuffix(pos["file"].(string), "banners/more.yaml") || pos["line"] != 4.0 || pos["col"] != 16.0 {
		t.Errorf("unknown placement: diagnostic %v", d)
	}
	if st := status(); st["version"] != good || st["ready"] != true {
		t.Errorf("unknown placement: status %v", st)
	}
	if got := content(); got != "<h1>v2</h1>\n" {
		t.Errorf("unknown placement: content %q, want the last good one", got)
	}
	_, res, _ := getJSON(t, client, "GET", s.url+"/v1/blocks", "")
	if n := len(res["blocks"].([]any)); n != 1 {
		t.Errorf("unknown placement: %d blocks listed, want the last good set's 1", n)
	}

	// The fix, then a content file gone: the last good set keeps its text.
	writeFile(t, filepath.Join(dir, "banners", "more.yaml"), "blocks: []\n")
	for deadline := time.Now().Add(5 * time.Second); status()["last_reload"].(map[string]any)["ok"] != true; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("fixed: no good reload after 5s: %v", status())
		}
	}
	if err := os.Remove(filepath.Join(dir, "banners", "html", "hero.html")); err != nil {
		t.Fatal(err)
	}
	d = waitFailed("content file removed")
	if pos := d["pos"].(map[string]any); !strings.HasSuffix(pos["file"].(string), "banners/blocks.yaml") || pos["line"] != 7.0 {
		t.Errorf("content file removed: diagnostic %v", d)
	}
	if got := content(); got != "<h1>v2</h1>\n" {
		t.Errorf("content file removed: content %q, want the last good one", got)
	}
	writeFile(t, filepath.Join(dir, "banners", "html", "hero.html"), "<h1>v3</h1>\n")
	waitContent("content file back", "<h1>v3</h1>\n")
}
