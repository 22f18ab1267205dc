package loader

import (
	"github.com/ruled/ruled/money"
	"testing"
	"testing/fstest"
	"time"
)

func TestMembershipAndGuardrails(t *testing.T) {
	const file = `membership:
  signing:
    secret_env: RULED_MEMBERSHIP_SECRET
    jwks_file: keys/jwks.json
    leeway: 30s
    issuer: https://edge.example.com
    audience: ruled-checkout
  trust_body: false
guardrails:
  max_discount_percent: 40
  max_discount_amount: 150.00
  websites:
    eu: {max_discount_percent: 30}
  customer_groups:
    wholesale: {max_discount_amount: "500"}
`
	set, diags := LoadFS(fstest.MapFS{"ruled.yaml": {Data: []byte(file)}}, "p")
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	m := set.Config.Membership
	if m.Signing == nil || m.Signing.SecretEnv != "RULED_MEMBERSHIP_SECRET" || m.Signing.JWKSFile != "keys/jwks.json" || m.Signing.Leeway != 30*time.Second {
		t.Errorf("signing = %+v", m.Signing)
	}
	if m.Signing == nil || m.Signing.Issuer != "https://edge.example.com" || m.Signing.Audience != "ruled-checkout" {
		t.Errorf("signing issuer and audience = %+v", m.Signing)
	}
	if m.BodyTrusted() {
		t.Error("trust_body: false read as trusted")
	}
	g := set.Config.Guardrails
	if g.MaxPercent == nil || g.MaxPercent.String() != "40" || g.MaxAmount == nil || !g.MaxAmount.Equal(money.MustParse("150")) {
		t.Errorf("project cap = %+v", g.Guardrail)
	}
	if c := g.For("eu", "guest"); c.MaxPercent == nil || c.MaxPercent.String() != "30" || c.MaxAmount != nil {
		t.Errorf("eu cap = %+v", c)
	}
	if c := g.For("eu", "wholesale"); c.MaxAmount == nil || c.MaxAmount.String() != "500" || c.MaxPercent != nil {
		t.Errorf("wholesale cap = %+v", c)
	}
	if c := g.For("base", "guest"); c.MaxPercent == nil || c.MaxPercent.String() != "40" {
		t.Errorf("base cap = %+v", c)
	}
	if p := set.Config.Fields["membership.signing.leeway"]; p.Line != 5 || p.Col != 13 {
		t.Errorf("leeway position = %v", p)
	}
}

func TestMembershipAndGuardrailsDefaults(t *testing.T) {
	set, diags := LoadFS(fstest.MapFS{"ruled.yaml": {Data: []byte("currency: USD\n")}}, "p")
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	if set.Config.Membership.Signing != nil || !set.Config.Membership.BodyTrusted() || !set.Config.Guardrails.For("base", "guest").IsZero() {
		t.Errorf("defaults = %+v %+v", set.Config.Membership, set.Config.Guardrails)
	}
}

func TestMembershipAndGuardrailsErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{"membership:\n  signing: {leeway: 30s}\n", "p/ruled.yaml:2:12: membership.signing needs secret_env, jwks_file or both"},
		{"membership:\n  signing: {secret_env: S, leeway: soon}\n", `p/ruled.yaml:2:36: leeway "soon": want a duration from 0s to 1h such as 30s`},
		{"membership:\n  trust_body: no\n", `p/ruled.yaml:2:15: trust_body is the string "no": want true or false`},
		{"membership:\n  signing: {secret_env: S, kid: x}\n", `p/ruled.yaml:2:28: unknown key "kid" in membership.signing; allowed: secret_env, jwks_file, leeway, issuer, audience`},
		{"membership:\n  signing: {secret_env: S, issuer: \"\"}\n", `p/ruled.yaml:2:36: issuer "": want the exact iss claim, without surrounding spaces, or no issuer key`},
		{"membership:\n  signing: {secret_env: S, audience: \" a\"}\n", `p/ruled.yaml:2:38: audience " a": want the exact aud claim, without surrounding spaces, or no audience key`},
		{"guardrails:\n  max_discount_percent: 140\n", "p/ruled.yaml:2:25: max_discount_percent 140 is more than 100"},
		{"guardrails:\n  max_discount_amount: -1\n", "p/ruled.yaml:2:24: max_discount_amount is negative: want a cap of 0 or more"},
		{"guardrails:\n  max_discount: 10\n", `p/ruled.yaml:2:3: unknown key "max_discount" in guardrails`},
	}
	for _, tt := range tests {
		_, diags := LoadFS(fstest.MapFS{"ruled.yaml": {Data: []byte(tt.file)}}, "p")
		got := diags.Error()
		if len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
			t.Errorf("%q:\ngot  %s\nwant %s", tt.file, got, tt.want)
		}
	}
}
