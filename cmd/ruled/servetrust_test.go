package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/membership"
	"github.com/ruled/ruled/rules"
)

func TestTrustFlags(t *testing.T) {
	dir := t.TempDir()
	secret := strings.Repeat("z", 32)
	t.Setenv("TEST_RULED_SECRET", secret+" "+strings.Repeat("o", 32))
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	no := false
	signed := rules.Config{
		Membership: rules.Membership{Signing: &rules.Signing{SecretEnv: "TEST_RULED_SECRET"}, TrustBody: &no},
		Fields:     map[string]diag.Pos{"membership.signing.secret_env": {File: "ruled.yaml", Line: 3, Col: 17}},
	}

	tr, err := trustFlags{}.trust(dir, rules.Config{})
	if err != nil || tr.Verifier != nil || tr.UntrustedBody {
		t.Fatalf("no settings: %+v, %v: want unsigned, body trusted", tr, err)
	}
	tr, err = trustFlags{}.trust(dir, signed)
	if err != nil || tr.Verifier == nil || !tr.UntrustedBody {
		t.Fatalf("signed: %+v, %v", tr, err)
	}
	// Both secrets of the variable are valid: rotation.
	for _, s := range []string{secret, strings.Repeat("o", 32)} {
		tok, _ := membership.SignHS256([]byte(s), "", membership.Claims{Segments: []string{"x"}, Expiry: time.Now().Add(time.Hour)})
		if v := tr.Verifier.Verify(tok, time.Now()); !v.Verified() {
			t.Errorf("token of a configured secret: %s %s", v.Status, v.Reason)
		}
	}
	tr, err = trustFlags{TrustBody: "true"}.trust(dir, signed)
	if err != nil || tr.UntrustedBody {
		t.Errorf("--trust-body=true: %+v, %v", tr, err)
	}

	// A key set relative to the rules directory, as jwks_file is written.
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks := `{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "ed-1", "alg": "EdDSA", "x": "` + base64.RawURLEncoding.EncodeToString(pub) + `"}]}`
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys", "jwks.json"), []byte(jwks), 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err = trustFlags{}.trust(dir, rules.Config{Membership: rules.Membership{Signing: &rules.Signing{JWKSFile: "keys/jwks.json"}}})
	if err != nil || tr.Verifier == nil {
		t.Errorf("jwks_file: %+v, %v", tr, err)
	}

	errs := []struct {
		flags trustFlags
		cfg   rules.Config
		want  string
	}{
		{trustFlags{SecretEnv: "TEST_RULED_UNSET"}, rules.Config{}, "--membership-secret-env: membership secret: environment variable TEST_RULED_UNSET is not set"},
		{trustFlags{}, rules.Config{Membership: rules.Membership{Signing: &rules.Signing{SecretEnv: "TEST_RULED_UNSET"}}, Fields: signed.Fields}, "ruled.yaml:3:17: membership secret"},
		{trustFlags{JWKS: "bad.json"}, rules.Config{}, "reading the key set"},
		{trustFlags{JWKS: "missing.json"}, rules.Config{}, "no such file"},
		{trustFlags{SecretEnv: "TEST_RULED_SECRET", Leeway: "soon"}, rules.Config{}, `--membership-leeway "soon"`},
	}
	for _, tt := range errs {
		_, err := tt.flags.trust(dir, tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want an error saying %q", tt.flags, err, tt.want)
		}
	}
}

func TestCheckWarnsOfStacking(t *testing.T) {
	dir := demoCopy(t)
	cfg, err := os.OpenFile(filepath.Join(dir, "ruled.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.WriteString("guardrails:\n  max_discount_percent: 10\n"); err != nil {
		t.Fatal(err)
	}
	cfg.Close()
	code, out, errs := runCLI(t, "", "check", "--rules", dir)
	if code != exitOK || !strings.Contains(out+errs, "could stack to") {
		t.Errorf("check: exit %d\n%s%s", code, out, errs)
	}
}
