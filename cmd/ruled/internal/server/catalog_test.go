package server

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRulesListing(t *testing.T) {
	_, ts := start(t, Options{})
	code, _, res := call(t, "GET", ts.URL+"/v1/rules", "", "")
	if code != 200 || res["version"] == "" {
		t.Fatalf("GET /v1/rules: %d %v", code, res)
	}
	byID := map[string]map[string]any{}
	var order []float64
	for _, r := range res["rules"].([]any) {
		r := r.(map[string]any)
		byID[r["id"].(string)] = r
		order = append(order, r["priority"].(float64))
	}
	for i := 1; i < len(order); i++ {
		if order[i] < order[i-1] {
			t.Errorf("rules not in priority order: %v", order)
			break
		}
	}
	tests := []struct {
		id, status string
		enabled    bool
		audiences  []string
		file       string
	}{
		{"bf-2026-sitewide-20", "scheduled", true, []string{}, "rules/seasonal/black-friday.yaml"},
		{"summer-2025-sandals-30", "expired", true, []string{}, "rules/seasonal/past-and-upcoming.yaml"},
		{"friends-family-30", "disabled", false, []string{}, "rules/coupons.yaml"},
		{"vip-15-everything", "enabled", true, []string{"VIP Shoppers"}, "rules/targeted.yaml"},
		{"churn-winback-20", "enabled", true, []string{"VIP Shoppers", "Churn Risk"}, "rules/targeted.yaml"},
	}
	for _, tt := range tests {
		r := byID[tt.id]
		if r == nil {
			t.Errorf("rule %s not listed", tt.id)
			continue
		}
		if r["status"] != tt.status || r["enabled"] != tt.enabled {
			t.Errorf("%s: status %v, enabled %v; want %s, %v", tt.id, r["status"], r["enabled"], tt.status, tt.enabled)
		}
		if diff := cmp.Diff(tt.audiences, strs(r["audiences"]), cmpSet); diff != "" {
			t.Errorf("%s: audiences (-want +got):\n%s", tt.id, diff)
		}
		if f, _ := r["file"].(string); !strings.HasSuffix(f, tt.file) || r["line"].(float64) < 1 {
			t.Errorf("%s: at %v:%v, want %s", tt.id, r["file"], r["line"], tt.file)
		}
	}
	if r := byID["bf-2026-sitewide-20"]; r["from"] != "2026-11-27" || r["to"] != "2026-11-30" {
		t.Errorf("window of bf-2026-sitewide-20: %v to %v", r["from"], r["to"])
	}
}

func TestAudiencesListing(t *testing.T) {
	_, ts := start(t, Options{})
	names := func(query string) []string {
		t.Helper()
		code, _, res := call(t, "GET", ts.URL+"/v1/audiences"+query, "", "")
		if code != 200 {
			t.Fatalf("GET /v1/audiences%s: %d %v", query, code, res)
		}
		var out []string
		for _, a := range res["audiences"].([]any) {
			out = append(out, a.(map[string]any)["name"].(string))
		}
		return out
	}
	all := []string{"Churn Risk", "High Cart Abandoners", "Lapsed Customers", "Loyalty Gold", "New Subscribers", "Outdoor Enthusiasts", "VIP Shoppers"}
	tests := []struct {
		query string
		want  []string
	}{
		{"", all},
		{"?sort=name&order=asc", all},
		{"?sort=NAME&order=DESC", []string{"VIP Shoppers", "Outdoor Enthusiasts", "New Subscribers", "Loyalty Gold", "Lapsed Customers", "High Cart Abandoners", "Churn Risk"}},
		{"?sort=updated&order=desc", []string{"New Subscribers", "High Cart Abandoners", "Churn Risk", "Loyalty Gold", "Lapsed Customers", "VIP Shoppers", "Outdoor Enthusiasts"}},
		{"?sort=origin", []string{"Outdoor Enthusiasts", "Loyalty Gold", "Churn Risk", "High Cart Abandoners", "Lapsed Customers", "New Subscribers", "VIP Shoppers"}},
		{"?q=vip", []string{"VIP Shoppers"}},
		{"?q=" + vipID[:8], []string{"VIP Shoppers"}},
		{"?q=nobody", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, names(tt.query)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.query, diff)
		}
	}

	_, _, res := call(t, "GET", ts.URL+"/v1/audiences?q=vip", "", "")
	vip := res["audiences"].([]any)[0].(map[string]any)
	want := map[string]any{
		"id": vipID, "name": "VIP Shoppers", "origin": "Experience Platform", "updated": "2026-09-28T06:12:44Z",
		"description": "Top 2% of customers by 12-month net revenue (over $1,500) with at least 4 orders.",
		"rules":       []any{"vip-15-everything", "churn-winback-20"},
		"blocks":      []any{"vip-hero"},
	}
	if diff := cmp.Diff(want, vip); diff != "" {
		t.Errorf("VIP Shoppers (-want +got):\n%s", diff)
	}
}
