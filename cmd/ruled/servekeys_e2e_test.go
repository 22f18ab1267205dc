package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ruled/ruled/membership"
)

// TestServeReloadsKeys runs ruled serve with a membership key set and
// rotates it on disk: a token of the new key is refused before the file
// changes and accepted after, by the same process, with no signal and no
// restart; a broken key set then keeps the keys in service and says why.
// The key set is tried inside the rules directory (as jwks_file is
// written) and outside it (as --membership-jwks may name it).
func TestServeReloadsKeys(t *testing.T) {
	oldSecret, newSecret := []byte(strings.Repeat("o", 40)), []byte(strings.Repeat("n", 40))
	oct := func(kid string, secret []byte) string {
		return fmt.Sprintf(`{"kty": "oct", "kid": %q, "alg": "HS256", "k": %q}`, kid, base64.RawURLEncoding.EncodeToString(secret))
	}
	for _, where := range []string{"inside", "outside"} {
		t.Run(where, func(t *testing.T) {
			dir := demoCopy(t)
			jwks := filepath.Join(dir, "keys", "jwks.json")
			args := []string{"--rules", dir, "--debounce", "50ms", "--debounce-max", "200ms", "--rescan", "1h"}
			settings := "membership:\n  signing:\n    jwks_file: keys/jwks.json\n  trust_body: false\n"
			if where == "outside" {
				jwks = filepath.Join(t.TempDir(), "secrets", "jwks.json")
				args = append(args, "--membership-jwks", jwks)
				settings = "membership:\n  signing:\n    jwks_file: nowhere.json\n  trust_body: false\n"
			}
			appendFile(t, filepath.Join(dir, "ruled.yaml"), settings)
			writeAtomic(t, jwks, `{"keys": [`+oct("old", oldSecret)+`]}`)
			s := serve(t, args...)
			c := &http.Client{Timeout: 10 * time.Second}

			tok := func(secret []byte, kid string) string {
				t.Helper()
				tok, err := membership.SignHS256(secret, kid, membership.Claims{Segments: []string{vipSegment}, Group: "vip", Expiry: time.Now().Add(10 * time.Minute)})
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
			// reason is the explained membership verdict of a token.
			reason := func(token string) string {
				t.Helper()
				_, res, _ := getJSON(t, c, "POST", s.url+"/v1/cart/evaluate?explain=true", oneLine, "aep-segments-membership", token)
				m, _ := res["membership"].(map[string]any)
				return fmt.Sprint(m["status"], ": ", m["reason"])
			}
			// verdict prices one line with the token and says what the
			// membership was judged and whether the VIP rule applied.
			verdict := func(token string) (string, bool) {
				t.Helper()
				code, res, err := getJSON(t, c, "POST", s.url+"/v1/cart/evaluate?explain=true", oneLine, "aep-segments-membership", token)
				if err != nil || code != 200 {
					t.Fatalf("evaluate: %d %v %v", code, res, err)
				}
				m, _ := res["membership"].(map[string]any)
				st, _ := m["status"].(string)
				return st, slices.Contains(appliedOf(res), "vip-15-everything")
			}
			waitFor := func(what string, ok func() bool) {
				t.Helper()
				for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("%s: not within 15s\n%s", what, s.log)
					}
				}
			}

			if st, vip := verdict(tok(oldSecret, "old")); st != "verified" || !vip {
				t.Fatalf("token of the key in service: %s, VIP %t", st, vip)
			}
			newTok := tok(newSecret, "new")
			if st, vip := verdict(newTok); st != "unknown_key" || vip {
				t.Fatalf("token of a key not yet in the set: %s, VIP %t", st, vip)
			}

			// Rotation: the new key joins the set; the old one stays valid
			// for the tokens still in browsers.
			writeAtomic(t, jwks, `{"keys": [`+oct("old", oldSecret)+`, `+oct("new", newSecret)+`]}`)
			waitFor("the new key in service", func() bool { st, vip := verdict(newTok); return st == "verified" && vip })
			if st, _ := verdict(tok(oldSecret, "old")); st != "verified" {
				t.Errorf("the old key after the rotation: %s", st)
			}

			// A broken key set: the reload fails, the keys stay, and the
			// status and the log say why.
			writeAtomic(t, jwks, `{"keys": [`+oct("new", newSecret)+`,`)
			waitFor("the failed reload on /v1/status", func() bool {
				_, st, err := getJSON(t, c, "GET", s.url+"/v1/status", "")
				if err != nil {
					return false
				}
				f, _ := st["last_failure"].(map[string]any)
				ds, _ := f["diagnostics"].([]any)
				for _, d := range ds {
					if d, _ := d.(map[string]any); d["code"] == "membership-keys" && strings.Contains(fmt.Sprint(d["message"]), "keys in service stay") {
						return true
					}
				}
				return false
			})
			// A token of a key that was to come with the broken set says
			// why it is refused.
			if r := reason(tok([]byte(strings.Repeat("t", 40)), "third")); !strings.Contains(r, "unknown_key") || !strings.Contains(r, "could not use the key set") || !strings.Contains(r, "jwks.json") {
				t.Errorf("explained verdict while the key set is broken: %s", r)
			}
			if !strings.Contains(s.log.String(), "membership-keys") {
				t.Errorf("the log does not name the broken key set\n%s", s.log)
			}
			for _, k := range []struct {
				secret []byte
				kid    string
			}{{oldSecret, "old"}, {newSecret, "new"}} {
				if st, vip := verdict(tok(k.secret, k.kid)); st != "verified" || !vip {
					t.Errorf("key %s after a broken key set: %s, VIP %t", k.kid, st, vip)
				}
			}

			// Mended, with the old key retired: its tokens are refused.
			writeAtomic(t, jwks, `{"keys": [`+oct("new", newSecret)+`]}`)
			waitFor("the old key retired", func() bool { st, _ := verdict(tok(oldSecret, "old")); return st == "unknown_key" })
			if st, vip := verdict(newTok); st != "verified" || !vip {
				t.Errorf("the new key after retiring the old: %s, VIP %t", st, vip)
			}
			if r := reason(tok(oldSecret, "old")); strings.Contains(r, "could not use the key set") {
				t.Errorf("explained verdict after the key set was mended: %s", r)
			}
			if n := strings.Count(s.log.String(), `"msg":"serving"`); n != 1 {
				t.Errorf("served %d times: want one process, never restarted", n)
			}
			if code := s.stop(); code != exitOK {
				t.Errorf("exit %d", code)
			}
		})
	}
}

func appendFile(t *testing.T, name, text string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// writeAtomic writes name as an operator's tooling should: a temporary file
// in the same directory, renamed over it.
func writeAtomic(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}
