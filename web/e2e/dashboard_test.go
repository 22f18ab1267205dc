package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDashboard walks through the dashboard on the demo store as a
// merchandiser would, one step after the other in one browser tab.
func TestDashboard(t *testing.T) {
	exe := chromium(t)
	srv := startServer(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "en-US"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()
	ui := srv.URL + "/ui"

	// do runs browser steps, failing the test with the step's name.
	do := func(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// js evaluates an expression in the page.
	js := func(t *testing.T, expr string, out any) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr))
		if err != nil {
			t.Fatalf("evaluating %s: %v", expr, err)
		}
		if err := json.Unmarshal(v, out); err != nil {
			t.Fatalf("evaluating %s: %v (got %s)", expr, err, v)
		}
	}
	// waitFor evaluates a predicate in the page until it is true; a page
	// being replaced (a link followed, a reload) is waited out.
	waitFor := func(t *testing.T, what, predicate string, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](predicate))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting until %s (%s): not true after %s (last error: %v)", what, predicate, timeout, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	names := func(t *testing.T) []string {
		var out []string
		js(t, `Array.from(document.querySelectorAll("#audiences tbody th.name")).map(e => e.firstChild.textContent.trim())`, &out)
		return out
	}

	t.Run("load", func(t *testing.T) {
		do(t, "open the dashboard", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#audiences tbody tr")))
		var loc string
		js(t, `location.pathname`, &loc)
		if loc != "/ui/audiences" {
			t.Errorf("/ leads to %s, want /ui/audiences", loc)
		}
		got := names(t)
		want := []string{"Churn Risk", "High Cart Abandoners", "Lapsed Customers", "Loyalty Gold", "New Subscribers", "Outdoor Enthusiasts", "VIP Shoppers"}
		if !slices.Equal(got, want) {
			t.Errorf("audiences by name:\n got %q\nwant %q", got, want)
		}
		var summary string
		js(t, `document.getElementById("audience-count").textContent.trim()`, &summary)
		if summary != "7 of 7 audiences" {
			t.Errorf("summary %q", summary)
		}
		screenshot(t, ctx, "audiences")
	})

	t.Run("sort", func(t *testing.T) {
		do(t, "sort by last modified", chromedp.Click(chromedp.CSS(`#audiences th a[data-sort="updated"]`)))
		waitFor(t, "sorted by updated", `location.search.includes("sort=updated") && document.readyState === "complete"`, 10*time.Second)
		if got := names(t); got[0] != "Outdoor Enthusiasts" || got[len(got)-1] != "New Subscribers" {
			t.Errorf("oldest first: got %q", got)
		}
		do(t, "sort again, newest first", chromedp.Click(chromedp.CSS(`#audiences th a[data-sort="updated"]`)))
		waitFor(t, "sorted descending", `location.search.includes("order=desc") && document.readyState === "complete"`, 10*time.Second)
		if got := names(t); got[0] != "New Subscribers" || got[len(got)-1] != "Outdoor Enthusiasts" {
			t.Errorf("newest first: got %q", got)
		}
		var aria string
		js(t, `document.querySelector('#audiences th[aria-sort="descending"] a').dataset.sort`, &aria)
		if aria != "updated" {
			t.Errorf("aria-sort descending is on %q, want updated", aria)
		}
	})

	t.Run("search", func(t *testing.T) {
		do(t, "search for churn", chromedp.SendKeys(chromedp.CSS("#q"), "churn\n"))
		waitFor(t, "the search ran", `location.search.includes("q=churn") && document.readyState === "complete"`, 10*time.Second)
		if got := names(t); !slices.Equal(got, []string{"Churn Risk"}) {
			t.Errorf("search churn: got %q", got)
		}
		var summary string
		js(t, `document.getElementById("audience-count").textContent.trim()`, &summary)
		if summary != "1 of 7 audiences" {
			t.Errorf("summary %q", summary)
		}
		// The sort chosen before is kept by the search.
		var sort string
		js(t, `new URLSearchParams(location.search).get("sort")`, &sort)
		if sort != "updated" {
			t.Errorf("search lost the sort: %q", sort)
		}
	})

	t.Run("open a rule from an audience", func(t *testing.T) {
		do(t, "open churn-winback-20",
			chromedp.Click(chromedp.CSS(`#audiences tbody a[href$="/rules/churn-winback-20"]`)),
			chromedp.WaitVisible(chromedp.CSS("dl.facts")))
		var h struct{ Title, Lead, Source string }
		js(t, `({Title: document.querySelector("h1").textContent, Lead: document.querySelector(".lead").textContent,
			Source: document.querySelector("code.src").textContent})`, &h)
		if !strings.Contains(h.Lead, "churn-winback-20") {
			t.Errorf("rule page lead %q", h.Lead)
		}
		if !strings.HasSuffix(filepath.ToSlash(h.Source), "rules/targeted.yaml:18") {
			t.Errorf("rule page source %q, want …rules/targeted.yaml:18", h.Source)
		}
		var audiences []string
		js(t, `Array.from(document.querySelectorAll("dl.facts a.tag")).map(a => a.textContent)`, &audiences)
		if !slices.Contains(audiences, "Churn Risk") {
			t.Errorf("rule page audiences %q, want Churn Risk among them", audiences)
		}
		screenshot(t, ctx, "rule")
	})

	t.Run("playground", func(t *testing.T) {
		do(t, "open the playground", chromedp.Navigate(ui+"/playground"), chromedp.WaitVisible(chromedp.CSS("#cart")))
		var ok bool
		js(t, `(() => { const s = document.getElementById("example"); s.value = "vip-shoes"; s.dispatchEvent(new Event("change")); return true })()`, &ok)
		do(t, "choose VIP Shoppers and run",
			chromedp.Click(chromedp.CSS(`input[name=audience][value="a791c66e-df31-4216-bf09-4f07500b5c0f"]`)),
			chromedp.Click(chromedp.CSS(`input[name=placement][value="cart.promo-strip"]`)),
			chromedp.Click(chromedp.CSS("#run")))
		waitFor(t, "the result shows", `!document.getElementById("result").hidden`, 20*time.Second)
		var failed string
		js(t, `(e => e.hidden ? "" : e.textContent)(document.getElementById("result-error"))`, &failed)
		if failed != "" {
			t.Fatalf("the playground shows an error: %s", failed)
		}
		var totals map[string]string
		js(t, `Object.fromEntries(Array.from(document.querySelectorAll("#totals td[id]")).map(td => [td.id.replace("total-", ""), td.textContent]))`, &totals)
		want := map[string]string{"subtotal": "332.00", "discount": "51.74", "shipping": "12.95", "shipping-discount": "1.94", "grand-total": "293.21"}
		for k, v := range want {
			if totals[k] != v {
				t.Errorf("total %s: got %q, want %q", k, totals[k], v)
			}
		}
		// The page shows what the REST API answers for the same cart.
		cart, err := os.ReadFile(filepath.Join(srv.Rules, "carts", "vip-shoes.json"))
		if err != nil {
			t.Fatal(err)
		}
		api := srv.evaluate(t, cart)["totals"].(map[string]any)
		if api["grand_total"] != totals["grand-total"] {
			t.Errorf("the page shows grand total %q, the API %q", totals["grand-total"], api["grand_total"])
		}

		var trace []struct {
			Rule, Class, Status, Reason string
		}
		js(t, `Array.from(document.querySelectorAll("#explain > li")).map(li => ({Rule: li.dataset.rule, Class: li.className,
			Status: li.querySelector(".status").textContent, Reason: li.querySelector(".reason").textContent}))`, &trace)
		byRule := map[string]int{}
		for i, e := range trace {
			byRule[e.Rule] = i
		}
		if len(trace) != 26 {
			t.Errorf("the explain trace has %d rules, want all 26", len(trace))
		}
		if i, ok := byRule["vip-15-everything"]; !ok || trace[i].Class != "applied" || trace[i].Status != "applied" {
			t.Errorf("vip-15-everything in the trace: %+v", trace)
		}
		if i, ok := byRule["welcome10"]; !ok || trace[i].Status != "customer_group" || trace[i].Reason == "" {
			t.Errorf("welcome10 should not apply for its customer group, with a reason: %+v", trace[i])
		}
		var curl, gql string
		js(t, `document.getElementById("as-curl").value`, &curl)
		js(t, `document.getElementById("as-graphql").value`, &gql)
		if !strings.Contains(curl, "/v1/cart/evaluate?explain=true") || !strings.Contains(curl, "aep-segments-membership: a791c66e") {
			t.Errorf("curl command:\n%s", curl)
		}
		if !strings.Contains(gql, "evaluateCart(cart: $cart, explain: true, placements: $placements") {
			t.Errorf("GraphQL query:\n%s", gql)
		}
		// The GraphQL request shown answers what the page shows.
		if got := srv.graphql(t, gqlBody(t, gql), "a791c66e-df31-4216-bf09-4f07500b5c0f"); got != totals["grand-total"] {
			t.Errorf("the GraphQL request shown gives grand total %q, the page %q", got, totals["grand-total"])
		}
		var blocks []string
		js(t, `Array.from(document.querySelectorAll('[data-placement="cart.promo-strip"] .block-out strong')).map(e => e.textContent)`, &blocks)
		if len(blocks) != 1 || !strings.HasPrefix(blocks[0], "vip-applied-strip") {
			t.Errorf("cart.promo-strip shows %q, want the VIP strip", blocks)
		}
		// The line builder adds a line to the cart JSON.
		do(t, "add a line",
			chromedp.SendKeys(chromedp.CSS("#line-sku"), "NW-SCK-TRAIL-LO"),
			chromedp.SendKeys(chromedp.CSS("#line-price"), "14.50"),
			chromedp.SendKeys(chromedp.CSS("#line-cats"), "socks, accessories"),
			chromedp.Click(chromedp.CSS("#add-line")))
		var last map[string]any
		js(t, `(c => c.items[c.items.length - 1])(JSON.parse(document.getElementById("cart").value))`, &last)
		if last["sku"] != "NW-SCK-TRAIL-LO" || last["qty"] != "1" || last["price"] != "14.50" || fmt.Sprint(last["categories"]) != "[socks accessories]" {
			t.Errorf("the line added: %v", last)
		}
		var scrolled bool
		js(t, `(document.getElementById("result").scrollIntoView({block: "start"}), true)`, &scrolled)
		screenshot(t, ctx, "playground")
	})

	t.Run("rules count what applied", func(t *testing.T) {
		do(t, "open the rules", chromedp.Navigate(ui+"/rules"), chromedp.WaitVisible(chromedp.CSS("#rules")))
		var row []string
		js(t, `Array.from(document.querySelectorAll("#rule-vip-15-everything td")).map(td => td.textContent.trim())`, &row)
		// Status, priority, action, audiences, coupon, source, applied,
		// discount: the playground's evaluation and the test's REST and
		// GraphQL ones, 51.74 off each.
		if len(row) != 8 || !strings.HasPrefix(row[0], "enabled") || row[6] != "3" || row[7] != "155.22 USD" {
			t.Errorf("vip-15-everything row after three evaluations of 51.74 off: %q", row)
		}
		var blocks int
		js(t, `document.querySelectorAll("#block-list tbody tr").length`, &blocks)
		if blocks == 0 {
			t.Error("no dynamic block listed")
		}
		screenshot(t, ctx, "rules")
	})

	t.Run("reload failure", func(t *testing.T) {
		do(t, "open the status", chromedp.Navigate(ui+"/status"), chromedp.WaitVisible(chromedp.CSS("#in-service")))
		var gen string
		js(t, `document.getElementById("status-live").dataset.generation`, &gen)
		broken := filepath.Join(srv.Rules, "rules", "broken.yaml")
		src := "cart_rules:\n  - id: broken-rule\n    name: Broken\n    when: audience(\"VIP Shopers\") and cart.subtotal >= 100\n    action: {type: by_percent, amount: 10}\n"
		if err := os.WriteFile(broken, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		// The watch reloads, the reload fails, and the page, polling
		// /v1/status, shows itself afresh with the failure.
		waitFor(t, "the failure shows", `document.getElementById("reload-failed") !== null`, 30*time.Second)
		var diags []string
		js(t, `Array.from(document.querySelectorAll(".reload.failed .diagnostics pre")).map(p => p.textContent)`, &diags)
		if len(diags) == 0 || !strings.Contains(diags[0], "broken.yaml:4:20: unknown audience \"VIP Shopers\"; did you mean \"VIP Shoppers\"?") {
			t.Errorf("diagnostics shown: %q", diags)
		} else if !strings.Contains(diags[0], "\n"+strings.Repeat(" ", 4+19)+"^") { // under column 20 of the indented source

			t.Errorf("no caret under the column: %q", diags[0])
		}
		var still string
		js(t, `document.getElementById("status-live").dataset.generation`, &still)
		if still != gen {
			t.Errorf("generation %s after a failed reload, want %s still in service", still, gen)
		}
		screenshot(t, ctx, "status")

		if err := os.Remove(broken); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the failure is fixed", `document.getElementById("reload-failed") === null && document.querySelector(".reload.ok") !== null`, 30*time.Second)
	})

	t.Run("keyboard and phone", func(t *testing.T) {
		do(t, "open the audiences", chromedp.Navigate(ui+"/audiences"), chromedp.WaitVisible(chromedp.CSS("#audiences")))
		do(t, "tab once", chromedp.KeyEvent("\t"))
		var focused string
		js(t, `document.activeElement.textContent`, &focused)
		if focused != "Skip to content" {
			t.Errorf("the first Tab focuses %q, want the skip link", focused)
		}
		do(t, "phone viewport", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#audiences")))
		for _, p := range []string{"audiences", "rules", "playground", "status"} {
			do(t, "open "+p, chromedp.Navigate(ui+"/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
			var overflow int
			js(t, `document.documentElement.scrollWidth - window.innerWidth`, &overflow)
			if overflow > 0 {
				t.Errorf("%s is %dpx wider than a phone: only tables may scroll sideways", p, overflow)
			}
		}
		do(t, "audiences on a phone", chromedp.Navigate(ui+"/audiences"), chromedp.WaitVisible(chromedp.CSS("#audiences")))
		screenshot(t, ctx, "audiences-phone")
	})
}

// screenshot saves the viewport as NAME.png among the test's artefacts and,
// when RULED_SCREENSHOTS names a directory, there too.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dirs := []string{t.ArtifactDir()}
	if d := os.Getenv("RULED_SCREENSHOTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// gqlBody is the body of the curl command that ends the playground's
// GraphQL text: the argument of --data-binary, in single quotes.
func gqlBody(t *testing.T, text string) string {
	t.Helper()
	_, arg, ok := strings.Cut(text, "--data-binary '")
	if !ok || !strings.HasSuffix(arg, "'") {
		t.Fatalf("no curl body in:\n%s", text)
	}
	return strings.ReplaceAll(strings.TrimSuffix(arg, "'"), `'\''`, "'")
}
