package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	SecretEnv string `name:"membership-secret-env" help:"Environment variable holding the HS256 secret of signed membership (overrides membership.signing.secret_env). Read at start: rotating it needs a restart." placeholder:"NAME"`
	JWKS      string `name:"membership-jwks" help:"JSON Web Key Set file of signed membership (overrides membership.signing.jwks_file); watched, a change reloads the keys." placeholder:"FILE" type:"path"`
	Leeway    string `name:"membership-leeway" help:"Clock skew allowed on a membership token's exp (overrides membership.signing.leeway)." placeholder:"DURATION"`
	Issuer    string `name:"membership-issuer" help:"The iss every membership token must carry (overrides membership.signing.issuer)." placeholder:"ISS"`
	Audience  string `name:"membership-audience" help:"A value the aud of every membership token must hold (overrides membership.signing.audience)." placeholder:"AUD"`
	TrustBody string `name:"trust-body" help:"Whether request bodies may state segments and customer.group: true or false (overrides membership.trust_body; default true)." enum:",true,false" default:""`
}

// trustRead is what the membership settings gave, read afresh on every
// build.
type trustRead struct {
	// Trust is nil when the error is set.
	Trust *server.Trust
	// Keys identifies what was read (see server.Build.Keys), error or not:
	// the key set's bytes or read error, the secrets' digest and the
	// signing settings.
	Keys string
	// KeyFile is the absolute path of the key set file; "" when none. A
	// change of it is a change of the keys, so the watch follows it.
	KeyFile string
}

// trustError is a membership setting that cannot be used, with the
// position of what is wrong: ruled.yaml's setting, a place in the key set
// file, or none when a flag said it (the message then names the flag).
type trustError struct {
	Pos diag.Pos
	Msg string
}

func (e *trustError) Error() string {
	if e.Pos.File == "" {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// trust builds the Trust of a rule set from its ruled.yaml and the flags.
// The error, a *trustError, names the setting that is wrong, with its
// position when it came from ruled.yaml (or the place in the key set file
// that does not parse).
//
// The key set file is read on every call, so that a build after the file
// changed verifies with the new keys; the secret's environment variable is
// read too, but a process's environment does not change after it starts.
func (f trustFlags) trust(dir string, cfg rules.Config) (trustRead, error) {
	m := cfg.Membership
	sg := rules.Signing{}
	if m.Signing != nil {
		sg = *m.Signing
	}
	at := func(key string) diag.Pos {
		if p, ok := cfg.Fields["membership.signing."+key]; ok {
			return p
		}
		return diag.Pos{}
	}
	flagged := map[string]string{}
	override := func(dst *string, val, key, flag string) {
		if val != "" {
			*dst, cfg.Fields = val, without(cfg.Fields, "membership.signing."+key)
			flagged[key] = flag + ": "
		}
	}
	override(&sg.SecretEnv, f.SecretEnv, "secret_env", "--membership-secret-env")
	override(&sg.JWKSFile, f.JWKS, "jwks_file", "--membership-jwks")
	override(&sg.Issuer, f.Issuer, "issuer", "--membership-issuer")
	override(&sg.Audience, f.Audience, "audience", "--membership-audience")
	fail := func(key, format string, args ...any) (trustRead, error) {
		return trustRead{}, &trustError{Pos: at(key), Msg: flagged[key] + fmt.Sprintf(format, args...)}
	}
	if f.Leeway != "" {
		d, err := time.ParseDuration(f.Leeway)
		if err != nil || d < 0 {
			return trustRead{}, &trustError{Msg: fmt.Sprintf("--membership-leeway %q: want a duration such as 30s", f.Leeway)}
		}
		sg.Leeway = d
	}
	t := &server.Trust{UntrustedBody: !m.BodyTrusted()}
	if f.TrustBody != "" {
		t.UntrustedBody = f.TrustBody == "false"
	}
	h := sha256.New()
	fmt.Fprintf(h, "%t\x00%s\x00%s\x00%s\x00%s\x00%d\x00", t.UntrustedBody, sg.SecretEnv, sg.JWKSFile, sg.Issuer, sg.Audience, sg.Leeway)
	read := trustRead{}
	if sg.SecretEnv == "" && sg.JWKSFile == "" {
		read.Trust, read.Keys = t, hex.EncodeToString(h.Sum(nil)[:8])
		return read, nil
	}
	keys := membership.Keys{Leeway: sg.Leeway, Issuer: sg.Issuer, Audience: sg.Audience}
	if sg.SecretEnv != "" {
		v := os.Getenv(sg.SecretEnv)
		if strings.TrimSpace(v) == "" {
			return fail("secret_env", "membership secret: environment variable %s is not set", sg.SecretEnv)
		}
		for s := range strings.FieldsSeq(v) {
			keys.Secrets = append(keys.Secrets, []byte(s))
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	}
	if sg.JWKSFile != "" {
		p := sg.JWKSFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		read.KeyFile = p
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(h, "error %v", err)
			read.Keys = hex.EncodeToString(h.Sum(nil)[:8])
			r, e := fail("jwks_file", "membership key set: %v", err)
			r.Keys, r.KeyFile = read.Keys, read.KeyFile
			return r, e
		}
		h.Write(data)
		keys.JWKS = data
	}
	read.Keys = hex.EncodeToString(h.Sum(nil)[:8])
	v, err := membership.NewVerifier(keys)
	if err != nil {
		e := &trustError{Pos: at("jwks_file"), Msg: flagged["jwks_file"] + err.Error()}
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			// Point into the key set itself: that is what to fix.
			e.Pos, e.Msg = offsetPos(read.KeyFile, dir, keys.JWKS, syn.Offset), err.Error()
		} else if len(keys.JWKS) == 0 || !strings.Contains(err.Error(), "key set") {
			e.Pos, e.Msg = at("secret_env"), flagged["secret_env"]+err.Error()
		}
		return trustRead{Keys: read.Keys, KeyFile: read.KeyFile}, e
	}
	t.Verifier = v
	read.Trust = t
	return read, nil
}

// offsetPos is the position of byte offset off of data, the content of
// file: relative to the rules directory when the file is inside it, as
// rule files are named.
func offsetPos(file, dir string, data []byte, off int64) diag.Pos {
	name := file
	if absDir, err := filepath.Abs(dir); err == nil {
		if rel, err := filepath.Rel(absDir, file); err == nil && !strings.HasPrefix(rel, "..") {
			name = filepath.ToSlash(rel)
		}
	}
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return diag.Pos{File: name, Line: line, Col: max(col, 1)}
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
