package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ruled/ruled/cmd/ruled/internal/server"
	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/membership"
	"github.com/ruled/ruled/rules"
)

// trustFlags override ruled.yaml's membership section.
type trustFlags struct {
	SecretEnv string `name:"membership-secret-env" help:"Environment variable holding the HS256 secret of signed membership (overrides membership.signing.secret_env)." placeholder:"NAME"`
	JWKS      string `name:"membership-jwks" help:"JSON Web Key Set file of signed membership (overrides membership.signing.jwks_file)." placeholder:"FILE" type:"path"`
	Leeway    string `name:"membership-leeway" help:"Clock skew allowed on a membership token's exp (overrides membership.signing.leeway)." placeholder:"DURATION"`
	TrustBody string `name:"trust-body" help:"Whether request bodies may state segments and customer.group: true or false (overrides membership.trust_body; default true)." enum:",true,false" default:""`
}

// trust builds the Trust of a rule set from its ruled.yaml and the flags.
// The error names the setting that is wrong, with its position when it
// came from ruled.yaml.
func (f trustFlags) trust(dir string, cfg rules.Config) (*server.Trust, error) {
	m := cfg.Membership
	sg := rules.Signing{}
	if m.Signing != nil {
		sg = *m.Signing
	}
	at := func(key string) string {
		if p, ok := cfg.Fields["membership.signing."+key]; ok {
			return p.String() + ": "
		}
		return map[string]string{"secret_env": "--membership-secret-env: ", "jwks_file": "--membership-jwks: "}[key]
	}
	if f.SecretEnv != "" {
		sg.SecretEnv, cfg.Fields = f.SecretEnv, without(cfg.Fields, "membership.signing.secret_env")
	}
	if f.JWKS != "" {
		sg.JWKSFile, cfg.Fields = f.JWKS, without(cfg.Fields, "membership.signing.jwks_file")
	}
	if f.Leeway != "" {
		d, err := time.ParseDuration(f.Leeway)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("--membership-leeway %q: want a duration such as 30s", f.Leeway)
		}
		sg.Leeway = d
	}
	t := &server.Trust{UntrustedBody: !m.BodyTrusted()}
	if f.TrustBody != "" {
		t.UntrustedBody = f.TrustBody == "false"
	}
	if sg.SecretEnv == "" && sg.JWKSFile == "" {
		return t, nil
	}
	keys := membership.Keys{Leeway: sg.Leeway}
	if sg.SecretEnv != "" {
		v := os.Getenv(sg.SecretEnv)
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("%smembership secret: environment variable %s is not set", at("secret_env"), sg.SecretEnv)
		}
		for s := range strings.FieldsSeq(v) {
			keys.Secrets = append(keys.Secrets, []byte(s))
		}
	}
	if sg.JWKSFile != "" {
		p := sg.JWKSFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%smembership key set: %w", at("jwks_file"), err)
		}
		keys.JWKS = data
	}
	v, err := membership.NewVerifier(keys)
	if err != nil {
		return nil, err
	}
	t.Verifier = v
	return t, nil
}

// without returns a copy of fields without key: a flag overrides what the
// file said, and messages must not point into the file for it.
func without(fields map[string]diag.Pos, key string) map[string]diag.Pos {
	out := make(map[string]diag.Pos, len(fields))
	for k, v := range fields {
		if k != key {
			out[k] = v
		}
	}
	return out
}
