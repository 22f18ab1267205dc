package web

import (
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

var demoNow = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// demo returns the dashboard over the demo store, with a failed reload
// after the one in service.
func demo(t testing.TB) http.Handler { return demoWith(t, nil) }

// demoWith is demo with the rule set changed by edit before it compiles.
func demoWith(t testing.TB, edit func(*rules.Set)) http.Handler {
	t.Helper()
	dir := filepath.Join("..", "testdata", "demo")
	set, diags := loader.Load(dir)
	if edit != nil {
		edit(set)
	}
	prog, more := engine.Compile(set)
	if diags.HasErrors() || more.HasErrors() {
		t.Fatalf("demo does not load: %v %v", diags, more)
	}
	var live engine.Live
	g := live.Swap(prog, "v1", demoNow.Add(-time.Hour))
	failed := &Reload{At: demoNow, Trigger: "watch", Error: "reload failed: 1 error in the rules; still serving version v1",
		Diagnostics: diag.List{{Pos: diag.Pos{File: "rules/x.yaml", Line: 4, Col: 20}, Code: "unknown-audience",
			Message: `unknown audience "VIP Shopers"`, Source: `    when: audience("VIP Shopers")`}}}
	h, err := New(Options{
		Generation: func() *engine.Generation { return g },
		Status:     func() Status { return Status{Last: failed, Failure: failed} },
		Usage: func() map[string]Usage {
			return map[string]Usage{"vip-15-everything": {Applied: 3, Discount: []Amount{{"USD", "155.22"}}}}
		},
		Base: "/ui", RulesDir: dir, Now: func() time.Time { return demoNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, method, path string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b), rec.Result().Header
}

func TestPages(t *testing.T) {
	h := demo(t)
	for _, tc := range []struct {
		path   string
		status int
		want   []string // in this order
	}{
		{"/ui/audiences", 200, []string{"7 of 7 audiences", "Churn Risk", "High Cart Abandoners", "VIP Shoppers", `href="/ui/rules/vip-15-everything"`}},
		{"/ui/audiences?sort=updated&order=desc", 200, []string{`aria-sort="descending"><a href="/ui/audiences?order=asc&amp;sort=updated"`, "New Subscribers", "Outdoor Enthusiasts"}},
		{"/ui/audiences?sort=used&order=desc", 200, []string{"VIP Shoppers", "High Cart Abandoners"}},
		{"/ui/audiences?q=LOYALTY", 200, []string{"1 of 7 audiences", "Loyalty Gold"}},
		{"/ui/audiences?origin=Custom+upload", 200, []string{"1 of 7 audiences", "Loyalty Gold"}},
		{"/ui/audiences?q=nothing-like-this", 200, []string{"0 of 7 audiences", "No audience matches"}},
		{"/ui/audiences?sort=size", 400, []string{"The query parameter sort is &#34;size&#34;: want name, updated"}},
		{"/ui/audiences?order=up", 400, []string{"The query parameter order is &#34;up&#34;"}},
		{"/ui/rules", 200, []string{"Cart rules", `id="rule-vip-15-everything"`, "155.22 USD", "Dynamic blocks", "vip-hero"}},
		{"/ui/rules/vip-15-everything", 200, []string{"VIP - 15% off", "targeted.yaml:", "3 times, 155.22 USD off"}},
		{"/ui/rules/nope", 404, []string{`There is no cart rule &#34;nope&#34; in version v1`}},
		{"/ui/blocks/vip-hero", 200, []string{"Dynamic block <code>vip-hero</code>", "VIP Shoppers"}},
		{"/ui/blocks/nope", 404, []string{"There is no dynamic block"}},
		{"/ui/playground", 200, []string{`data-endpoint="/v1/cart/evaluate?explain=true"`, `<option value="vip-shoes">`, `id="example-carts"`, `value="home.hero"`}},
		{"/ui/status", 200, []string{"The last reload failed", "rules/x.yaml:4:20", "unknown audience", "\n                       ^"}},
		{"/ui/", 302, nil},
		{"/ui/elsewhere", 404, []string{"There is no page at /ui/elsewhere."}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			code, body, hd := get(t, h, "GET", tc.path)
			if code != tc.status {
				t.Fatalf("status %d, want %d\n%s", code, tc.status, body)
			}
			if code != 302 && !strings.Contains(hd.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("no content security policy")
			}
			rest := body
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("%q missing (or out of order) in\n%s", w, body)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	code, _, hd := get(t, demo(t), "POST", "/ui/audiences")
	if code != http.StatusMethodNotAllowed || hd.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", code, hd.Get("Allow"))
	}
}

func TestAssets(t *testing.T) {
	h := demo(t)
	_, page, _ := get(t, h, "GET", "/ui/playground")
	m := regexp.MustCompile(`src="(/ui/assets/playground\.js\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the playground links no script")
	}
	code, body, hd := get(t, h, "GET", m[1])
	if code != 200 || !strings.Contains(hd.Get("Content-Type"), "javascript") || !strings.Contains(hd.Get("Cache-Control"), "immutable") || !strings.Contains(body, "/v1/cart/evaluate") {
		t.Errorf("asset: %d %v", code, hd)
	}
	if code, _, _ := get(t, h, "GET", "/ui/assets/../web.go"); code == 200 {
		t.Errorf("asset outside the folder: %d", code)
	}
}

func TestNotReady(t *testing.T) {
	h, err := New(Options{Generation: func() *engine.Generation { return nil }, Base: "/ui"})
	if err != nil {
		t.Fatal(err)
	}
	if code, body, _ := get(t, h, "GET", "/ui/rules"); code != 503 || !strings.Contains(body, "No rule set is loaded") {
		t.Errorf("rules before a load: %d\n%s", code, body)
	}
	if code, _, _ := get(t, h, "GET", "/ui/status"); code != 200 {
		t.Errorf("status before a load: %d", code)
	}
}

func TestActionSummary(t *testing.T) {
	dec := money.MustParse
	usd, _ := money.LookupCurrency("USD")
	items := rules.Expr{Text: `"shoes" in item.categories`}
	for _, tc := range []struct {
		a    rules.Action
		want string
	}{
		{rules.Action{Type: rules.ByPercent, Amount: dec("50"), MaxQty: dec("2"), Items: items}, "50% off matching items; at most 2 units a line"},
		{rules.Action{Type: rules.ByFixed, Amount: dec("5.00")}, "5.00 USD off each unit of every item"},
		{rules.Action{Type: rules.CartFixed, Amount: dec("25"), ApplyToShipping: true}, "25.00 USD off the cart, shared over every item; shipping too"},
		{rules.Action{Type: rules.BuyXGetY, Step: dec("2"), Amount: dec("1"), Items: items}, "Buy 2 get 1 free on matching items"},
		{rules.Action{Type: rules.ByPercent, FreeShipping: rules.FreeShippingShipment}, "Free shipping for the shipment"},
		{rules.Action{Type: rules.ByPercent, Amount: dec("10"), Step: dec("3")}, "10% off every item; in steps of 3"},
	} {
		if got := actionSummary(tc.a, usd); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// TestImports keeps the dashboard below the server: it learns everything
// through Options and uses no third-party module.
func TestImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(path, ".") && !strings.HasPrefix(path, "github.com/ruled/ruled/") ||
				strings.Contains(path, "/internal/") || strings.HasSuffix(path, "/loader") {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}

func TestRemovedAudienceFlagged(t *testing.T) {
	h := demoWith(t, func(set *rules.Set) {
		for i := range set.Audiences {
			if set.Audiences[i].Name == "High Cart Abandoners" {
				set.Audiences[i].Removed = demoNow.Add(-24 * time.Hour)
			}
		}
	})
	_, body, _ := get(t, h, "GET", "/ui/audiences")
	for _, w := range []string{"Rules and blocks use audiences no longer activated", `href="/ui/rules/abandoner-nudge-packs-10"`,
		`<tr class="removed">`, "no longer activated</span>"} {
		if !strings.Contains(body, w) {
			t.Errorf("audiences page lacks %q", w)
		}
	}
	_, body, _ = get(t, h, "GET", "/ui/rules/abandoner-nudge-packs-10")
	if !strings.Contains(body, `class="tag removed"`) || !strings.Contains(body, `<span class="flag error">no longer activated</span>`) {
		t.Errorf("rule page does not flag the audience:\n%s", body)
	}
	_, body, _ = get(t, demo(t), "GET", "/ui/audiences")
	if strings.Contains(body, "no longer activated") {
		t.Error("the demo flags an audience no longer activated")
	}
}

func TestUnusedAudienceFlagged(t *testing.T) {
	h := demoWith(t, func(set *rules.Set) {
		set.Audiences = append(set.Audiences, rules.Audience{ID: "0d7e2f4a-2222-4b1c-8e3d-123456789abc", Name: "Nobody Targets Me", Origin: "Custom upload"})
	})
	_, body, _ := get(t, h, "GET", "/ui/audiences?origin=Custom+upload")
	for _, w := range []string{"2 of 8 audiences", `<span class="flag warn">1 unused</span>`, "Nobody Targets Me\n        <span class=\"flag warn\">unused</span>"} {
		if !strings.Contains(body, w) {
			t.Errorf("audiences page lacks %q\n%s", w, body)
		}
	}
}
