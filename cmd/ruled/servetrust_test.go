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

	read, err := trustFlags{}.trust(dir, rules.Config{})
	tr := read.Trust
	if err != nil || tr.Verifier != nil || tr.UntrustedBody {
		t.Fatalf("no settings: %+v, %v: want unsigned, body trusted", tr, err)
	}
	read, err = trustFlags{}.trust(dir, signed)
	tr = read.Trust
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
	read, err = trustFlags{TrustBody: "true"}.trust(dir, signed)
	tr = read.Trust
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
	read, err = trustFlags{}.trust(dir, rules.Config{Membership: rules.Membership{Signing: &rules.Signing{JWKSFile: "keys/jwks.json"}}})
	tr = read.Trust
	if err != nil || tr.Verifier == nil || read.KeyFile != filepath.Join(dir, "keys", "jwks.json") {
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

// TestTrustKeysVersion: the identity of the key material follows the key
// set's bytes and the signing settings, so that a watch reload swaps keys
// when, and only when, they changed; a broken key set is an error that
// points into the file.
func TestTrustKeysVersion(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	oct := func(kid, secret string) string {
		return `{"kty": "oct", "kid": "` + kid + `", "k": "` + base64.RawURLEncoding.EncodeToString([]byte(secret)) + `"}`
	}
	cfg := rules.Config{Membership: rules.Membership{Signing: &rules.Signing{JWKSFile: "keys.json"}},
		Fields: map[string]diag.Pos{"membership.signing.jwks_file": {File: "ruled.yaml", Line: 4, Col: 16}}}
	read := func(f trustFlags) (trustRead, error) {
		t.Helper()
		return f.trust(dir, cfg)
	}
	write(`{"keys": [` + oct("a", strings.Repeat("a", 32)) + `]}`)
	one, err := read(trustFlags{})
	if err != nil || one.Keys == "" || one.KeyFile != file {
		t.Fatalf("%+v %v", one, err)
	}
	if again, _ := read(trustFlags{}); again.Keys != one.Keys {
		t.Errorf("the same bytes read twice: keys %s then %s", one.Keys, again.Keys)
	}
	for _, f := range []trustFlags{{Issuer: "https://edge.example.com"}, {Audience: "ruled"}, {Leeway: "5s"}, {TrustBody: "false"}} {
		if r, err := read(f); err != nil || r.Keys == one.Keys {
			t.Errorf("%+v: keys %s (%v): want them to differ from %s", f, r.Keys, err, one.Keys)
		}
	}
	strict, err := read(trustFlags{Issuer: "https://edge.example.com", Audience: "ruled"})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := membership.SignHS256([]byte(strings.Repeat("a", 32)), "a", membership.Claims{Segments: []string{"x"}, Expiry: time.Now().Add(time.Hour), Issuer: "https://edge.example.com", Audience: []string{"other"}})
	if v := strict.Trust.Verifier.Verify(tok, time.Now()); v.Status != membership.StatusWrongAudience {
		t.Errorf("--membership-audience: token for another audience is %s", v.Status)
	}

	write(`{"keys": [` + oct("a", strings.Repeat("a", 32)) + `, ` + oct("b", strings.Repeat("b", 32)) + `]}`)
	two, err := read(trustFlags{})
	if err != nil || two.Keys == one.Keys {
		t.Fatalf("a key added: keys %s (was %s), %v", two.Keys, one.Keys, err)
	}

	tests := []struct {
		name, content, want string
	}{
		{"syntax", "{\"keys\": [\n  {\"kty\": \"oct\",}\n]}", "keys.json:2:17: membership signing: reading the key set: invalid character '}'"},
		{"short secret", `{"keys": [` + oct("s", "short") + `]}`, `ruled.yaml:4:16: membership signing: key 1 (kid "s") of the key set: oct key is 5 bytes: want at least 32`},
		{"empty set", `{"keys": []}`, "ruled.yaml:4:16: membership signing: no key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(tt.content)
			r, err := read(trustFlags{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if r.Trust != nil || r.Keys == "" || r.Keys == two.Keys || r.KeyFile != file {
				t.Errorf("broken key set read as %+v", r)
			}
		})
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if _, err := read(trustFlags{}); err == nil || !strings.HasPrefix(err.Error(), "ruled.yaml:4:16: membership key set: open ") {
		t.Errorf("a missing key set: %v", err)
	}
}
