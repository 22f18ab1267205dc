package server

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestExplorerChromium opens GET /graphql in headless Chromium: the page's
// script runs, takes the query of the link into the editor and loads the
// schema from this server. It needs chromium; in CI (CI=true) its absence
// is a failure, elsewhere a skip.
func TestExplorerChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("drives chromium; skipped with -short")
	}
	var browser string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed: the explorer page is tested in headless Chromium")
		}
		t.Skip("chromium is not installed (a failure when CI=true)")
	}
	_, ts := start(t, Options{})
	const q = `{ rules { id status } }`
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom",
		ts.URL+"/graphql?query="+url.QueryEscape(q))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	for _, want := range []string{
		`<textarea id="query" spellcheck="false" autocomplete="off">{ rules { id status } }</textarea>`,
		"<pre id=\"schema\">schema {\n  query: Query\n  mutation: Mutation\n}",
		"scalar Decimal",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page as Chromium built it lacks %q:\n%s", want, dom)
		}
	}
}
