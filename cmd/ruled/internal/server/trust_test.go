package server

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ruled/ruled/membership"
)

// signedServer serves the demo store with signed membership and the given
// trust of bodies.
func signedServer(t *testing.T, secret []byte, untrustedBody bool) string {
	t.Helper()
	return keyedServer(t, membership.Keys{Secrets: [][]byte{secret}, Leeway: 30 * time.Second}, untrustedBody)
}

// keyedServer serves the demo store with membership verified by keys.
func keyedServer(t *testing.T, keys membership.Keys, untrustedBody bool) string {
	t.Helper()
	v, err := membership.NewVerifier(keys)
	if err != nil {
		t.Fatal(err)
	}
	compile := compileDir(demo)
	_, ts := start(t, Options{Compile: func() (*Build, error) {
		b, err := compile()
		if b != nil {
			b.Trust = &Trust{Verifier: v, UntrustedBody: untrustedBody}
		}
		return b, err
	}})
	return ts.URL
}

func TestSignedMembership(t *testing.T) {
	secret := []byte(strings.Repeat("r", 32))
	token := func(key []byte, exp time.Time, group string) string {
		tok, err := membership.SignHS256(key, "", membership.Claims{Segments: []string{vipID}, Subject: "visitor-1", Group: group, Expiry: exp})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	valid := token(secret, demoNow.Add(time.Hour), "vip")
	const vipRule = "vip-15-everything"
	bodyVIP := `{"now": "2026-10-01T12:00:00Z", "customer": {"group": "vip"}, "segments": ["` + vipID + `"], "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`
	plain := `{"now": "2026-10-01T12:00:00Z", "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`

	untrusted := signedServer(t, secret, true)
	trusted := signedServer(t, secret, false)
	tests := []struct {
		name    string
		url     string
		body    string
		header  []string
		applies bool
		status  string
	}{
		{"valid token with group claim", untrusted, plain, []string{"aep-segments-membership", valid}, true, "verified"},
		{"valid token in the cookie", untrusted, plain, []string{"Cookie", "aep-segments-membership=" + valid}, true, "verified"},
		{"valid token, group only in the body", untrusted, bodyVIP, []string{"aep-segments-membership", token(secret, demoNow.Add(time.Hour), "")}, false, "verified"},
		{"forged with another secret", untrusted, plain, []string{"aep-segments-membership", token([]byte(strings.Repeat("x", 32)), demoNow.Add(time.Hour), "vip")}, false, "bad_signature"},
		{"expired", untrusted, plain, []string{"aep-segments-membership", token(secret, demoNow.Add(-time.Hour), "vip")}, false, "expired"},
		{"replayed just after expiry, within leeway", untrusted, plain, []string{"aep-segments-membership", token(secret, demoNow.Add(-10*time.Second), "vip")}, true, "verified"},
		{"tampered", untrusted, plain, []string{"aep-segments-membership", valid[:len(valid)-3] + "AAA"}, false, "bad_signature"},
		{"alg none", untrusted, plain, []string{"aep-segments-membership", "eyJhbGciOiJub25lIn0.eyJzZWdtZW50cyI6WyJhNzkxYzY2ZS1kZjMxLTQyMTYtYmYwOS00ZjA3NTAwYjVjMGYiXSwiZ3JvdXAiOiJ2aXAiLCJleHAiOjQxMDI0NDQ4MDB9."}, false, "bad_algorithm"},
		{"plain segment list", untrusted, plain, []string{"aep-segments-membership", vipID}, false, "unsigned"},
		{"body segments and group only", untrusted, bodyVIP, nil, false, "absent"},
		{"body believed from a trusted back end", trusted, bodyVIP, nil, true, "absent"},
		{"malformed plain value is no membership, not a 400", untrusted, plain, []string{"aep-segments-membership", "vip%2"}, false, "unsigned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, v := call(t, "POST", tt.url+"/v1/cart/evaluate?explain=true", jsonType, tt.body, tt.header...)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, v)
			}
			var applied []string
			for _, a := range v["applied_rules"].([]any) {
				applied = append(applied, a.(map[string]any)["id"].(string))
			}
			if got := slices.Contains(applied, vipRule); got != tt.applies {
				t.Errorf("VIP rule applied = %v, want %v (applied %q)", got, tt.applies, applied)
			}
			m, _ := v["membership"].(map[string]any)
			if m["status"] != tt.status {
				t.Errorf("membership = %v, want status %s", m, tt.status)
			}
			if tt.status != "verified" && tt.status != "absent" && m["reason"] == "" {
				t.Errorf("membership %v has no reason", m)
			}
		})
	}

	// GraphQL reads the same membership, and says so.
	q := `{"query": "{ evaluateCart(cart: {customer: {group: \"vip\"}, items: [{sku: \"A\", qty: 1, price: \"100.00\"}]}, explain: true) { appliedRules { id } membership { status reason } } }"}`
	for tok, want := range map[string]string{valid: "verified", token([]byte(strings.Repeat("x", 32)), demoNow.Add(time.Hour), "vip"): "bad_signature"} {
		code, _, v := call(t, "POST", untrusted+"/graphql", jsonType, q, "aep-segments-membership", tok)
		if code != http.StatusOK || v["errors"] != nil {
			t.Fatalf("graphql: %d %v", code, v)
		}
		e := v["data"].(map[string]any)["evaluateCart"].(map[string]any)
		m := e["membership"].(map[string]any)
		applied := fmt.Sprint(e["appliedRules"])
		if m["status"] != want || strings.Contains(applied, vipRule) != (want == "verified") {
			t.Errorf("graphql with a %s token: %v", want, e)
		}
	}

	// The verdicts are counted.
	resp, err := http.Get(untrusted + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`ruled_membership_verdicts_total{status="bad_signature"} 3`, `ruled_membership_verdicts_total{status="expired"} 1`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestUnsignedMembershipUnchanged(t *testing.T) {
	_, ts := start(t, Options{})
	code, _, v := call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, vipCart, "aep-segments-membership", vipID)
	if code != http.StatusOK || v["membership"] != nil {
		t.Fatalf("status %d, membership %v: want 200 and no membership field", code, v["membership"])
	}
	if a := strs(v["audiences"]); !slices.Contains(a, "VIP Shoppers") {
		t.Errorf("audiences %q: want VIP Shoppers", a)
	}
}

// TestMembershipIssuerAudience: with an issuer and an audience configured,
// a token signed with a good key but minted by another issuer or for
// another audience buys nothing, with its own verdict in the result, the
// explain trace, GraphQL and the metric.
func TestMembershipIssuerAudience(t *testing.T) {
	secret := []byte(strings.Repeat("i", 32))
	v, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{secret}, Issuer: "https://edge.example.com", Audience: "ruled"})
	if err != nil {
		t.Fatal(err)
	}
	compile := compileDir(demo)
	_, ts := start(t, Options{Compile: func() (*Build, error) {
		b, err := compile()
		if b != nil {
			b.Trust = &Trust{Verifier: v, UntrustedBody: true}
		}
		return b, err
	}})
	token := func(iss string, aud ...string) string {
		tok, err := membership.SignHS256(secret, "", membership.Claims{Segments: []string{vipID}, Group: "vip", Expiry: demoNow.Add(time.Hour), Issuer: iss, Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	plain := `{"now": "2026-10-01T12:00:00Z", "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`
	tests := []struct {
		name, token, status, reason string
		applies                     bool
	}{
		{"issuer and audience match", token("https://edge.example.com", "ruled"), "verified", "", true},
		{"another issuer", token("https://cdp.example.com", "ruled"), "wrong_issuer", `token issuer "https://cdp.example.com" is not the configured issuer "https://edge.example.com"`, false},
		{"no issuer", token("", "ruled"), "wrong_issuer", `token issuer ""`, false},
		{"another audience", token("https://edge.example.com", "search"), "wrong_audience", `token audience ["search"] does not name the configured audience "ruled"`, false},
		{"no audience", token("https://edge.example.com"), "wrong_audience", "token audience (none)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, res := call(t, "POST", ts.URL+"/v1/cart/evaluate?explain=true", jsonType, plain, "aep-segments-membership", tt.token)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, res)
			}
			m, _ := res["membership"].(map[string]any)
			if m["status"] != tt.status || !strings.Contains(fmt.Sprint(m["reason"]), tt.reason) {
				t.Errorf("membership %v: want %s saying %q", m, tt.status, tt.reason)
			}
			if got := strings.Contains(fmt.Sprint(res["applied_rules"]), "vip-15-everything"); got != tt.applies {
				t.Errorf("VIP rule applied = %v, want %v", got, tt.applies)
			}
			// Without explain, the verdict stays and the reason goes.
			_, _, res = call(t, "POST", ts.URL+"/v1/cart/evaluate", jsonType, plain, "aep-segments-membership", tt.token)
			if m, _ := res["membership"].(map[string]any); m["status"] != tt.status || m["reason"] != nil {
				t.Errorf("without explain: membership %v", m)
			}
		})
	}
	q := `{"query": "{ evaluateCart(cart: {items: [{sku: \"A\", qty: 1, price: \"100.00\"}]}, explain: true) { membership { status reason } } }"}`
	code, _, res := call(t, "POST", ts.URL+"/graphql", jsonType, q, "aep-segments-membership", token("https://edge.example.com", "search"))
	if code != http.StatusOK || !strings.Contains(fmt.Sprint(res["data"]), "status:wrong_audience") {
		t.Errorf("graphql: %d %v", code, res)
	}
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`ruled_membership_verdicts_total{status="wrong_issuer"} 4`, `ruled_membership_verdicts_total{status="wrong_audience"} 5`, `ruled_membership_verdicts_total{status="verified"} 2`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
