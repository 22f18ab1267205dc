package server

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestDashboardMounted checks the server's part of the dashboard: / leads to
// it, its pages are served with this server's rule set, its counts are
// those of the evaluations served, and it is read-only.
func TestDashboardMounted(t *testing.T) {
	_, ts := start(t, Options{RulesDir: demo})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/ui/" {
		t.Errorf("GET /: %s to %q, want 302 to /ui/", resp.Status, resp.Header.Get("Location"))
	}
	if code, _, body := call(t, "GET", ts.URL+"/elsewhere", "", ""); code != http.StatusNotFound || body["error"] == nil {
		t.Errorf("GET /elsewhere: %d %v, want the JSON 404", code, body)
	}

	for range 2 {
		if code, _, body := call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, vipCart, "aep-segments-membership", vipID); code != 200 {
			t.Fatalf("evaluate: %d %v", code, body)
		}
	}
	page := func(path string) (int, string) {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := page("/ui/rules")
	if code != 200 {
		t.Fatalf("GET /ui/rules: %d", code)
	}
	// vip-15-everything applied twice, 15.00 off each time.
	row := regexp.MustCompile(`(?s)<tr id="rule-vip-15-everything">.*?</tr>`).FindString(body)
	if !strings.Contains(row, `data-label="Applied">2</td>`) || !strings.Contains(row, "30.00 USD") {
		t.Errorf("the rules page does not count two applications of 15.00:\n%s", row)
	}
	// The same counts are in the public REST API.
	_, _, rules := call(t, "GET", ts.URL+"/v1/rules", "", "")
	for _, r := range rules["rules"].([]any) {
		r := r.(map[string]any)
		if r["id"] == "vip-15-everything" {
			if r["applied"] != float64(2) || fmt.Sprint(r["discount"]) != "[map[amount:30.00 currency:USD]]" {
				t.Errorf("/v1/rules counts: applied %v, discount %v", r["applied"], r["discount"])
			}
		}
	}
	_, _, auds := call(t, "GET", ts.URL+"/v1/audiences?q=vip", "", "")
	if l := auds["audiences"].([]any); len(l) != 1 || fmt.Sprint(l[0].(map[string]any)["blocks"]) != "[vip-hero]" {
		t.Errorf("/v1/audiences lists the blocks using an audience: %v", auds)
	}
	if code, body := page("/ui/status"); code != 200 || !strings.Contains(body, "triggered by start") {
		t.Errorf("GET /ui/status: %d\n%s", code, body)
	}
	if code, _, _ := call(t, "POST", ts.URL+"/ui/rules", jsonType, "{}"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /ui/rules: %d, want 405", code)
	}
}
