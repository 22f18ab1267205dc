package server

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuleSeriesBounded: rules that apply get a series each up to the
// bound; the applications of the others count under _other.
func TestRuleSeriesBounded(t *testing.T) {
	_, ts := start(t, Options{MaxRuleSeries: 2})
	welcome, err := os.ReadFile(filepath.Join(demo, "carts", "welcome-coupon.json"))
	if err != nil {
		t.Fatal(err)
	}
	// vip-15-everything, then welcome10 and welcome10-subscriber-free-shipping.
	for range 2 {
		call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, vipCart, "aep-segments-membership", vipID)
	}
	if code, _, res := call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, string(welcome)); code != 200 || len(res["applied_rules"].([]any)) != 2 {
		t.Fatalf("welcome cart: %d %v", code, res)
	}
	text := metricsText(t, ts.URL)
	wantMetrics(t, text,
		`ruled_rule_applications_total{rule="vip-15-everything"} 2`,
		`ruled_rule_applications_total{rule="welcome10"} 1`,
		`ruled_rule_applications_total{rule="_other"} 1`)
	if n := strings.Count(text, "\nruled_rule_applications_total{"); n != 3 {
		t.Errorf("%d series of ruled_rule_applications_total, want 3 (2 rules and _other):\n%s", n, text)
	}
	if !strings.Contains(text, `at most 2 of them`) {
		t.Error("the help text does not state the bound")
	}
}

// TestRuleSeriesKeep: a rule gone from the rule set loses its series,
// which frees room for another.
func TestRuleSeriesKeep(t *testing.T) {
	m := newMetrics(2)
	ts := httptest.NewServer(m.handler(slog.New(slog.DiscardHandler)))
	t.Cleanup(ts.Close)
	r := m.applications
	r.inc("a")
	r.inc("b")
	r.inc("c") // no room: _other
	r.keep(map[string]bool{"b": true, "c": true})
	r.inc("c") // room again
	r.inc("b")
	text := metricsText(t, ts.URL)
	wantMetrics(t, text,
		`ruled_rule_applications_total{rule="b"} 2`,
		`ruled_rule_applications_total{rule="c"} 1`,
		`ruled_rule_applications_total{rule="_other"} 1`)
	if n := strings.Count(text, "\nruled_rule_applications_total{"); n != 3 {
		t.Errorf("%d series, want 3 (b, c, _other): a was removed:\n%s", n, text)
	}
}
