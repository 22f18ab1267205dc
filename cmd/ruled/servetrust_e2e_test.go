package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ruled/ruled/membership"
)

// TestServeSignedAndSplit runs ruled serve as a browser-facing deployment:
// signed membership, bodies not believed, operators on their own address
// behind a token.
func TestServeSignedAndSplit(t *testing.T) {
	dir := demoCopy(t)
	secret := strings.Repeat("e", 40)
	t.Setenv("TEST_RULED_E2E_SECRET", secret)
	cfg, err := os.OpenFile(filepath.Join(dir, "ruled.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.WriteString("membership:\n  signing:\n    secret_env: TEST_RULED_E2E_SECRET\n    leeway: 30s\n  trust_body: false\n"); err != nil {
		t.Fatal(err)
	}
	cfg.Close()
	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(tokenFile, []byte("operators-only-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := serve(t, "--rules", dir, "--watch", "off", "--admin-addr", "127.0.0.1:0", "--admin-token-file", tokenFile)
	var admin string
	for deadline := time.Now().Add(5 * time.Second); admin == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`"admin_addr":"([^"]+)"`).FindStringSubmatch(s.log.String()); m != nil {
			admin = "http://" + m[1]
		}
	}
	if admin == "" {
		t.Fatalf("no admin address logged\n%s", s.log)
	}
	c := &http.Client{Timeout: 10 * time.Second}

	tok, err := membership.SignHS256([]byte(secret), "", membership.Claims{Segments: []string{vipSegment}, Group: "vip", Expiry: time.Now().Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	code, res, err := getJSON(t, c, "POST", s.url+"/v1/cart/evaluate", oneLine, "Cookie", "aep-segments-membership="+tok)
	if err != nil || code != 200 || !strings.Contains(strings.Join(appliedOf(res), ","), "vip-15-everything") {
		t.Errorf("signed VIP: %d %v %v", code, res, err)
	}
	// The body's group and a plain segment list buy nothing.
	code, res, err = getJSON(t, c, "POST", s.url+"/v1/cart/evaluate", oneLine, "Cookie", "aep-segments-membership="+vipSegment)
	if err != nil || code != 200 || strings.Contains(strings.Join(appliedOf(res), ","), "vip-15-everything") || res["membership"].(map[string]any)["status"] != "unsigned" {
		t.Errorf("forged VIP: %d %v %v", code, res, err)
	}
	for path, want := range map[string]int{"/v1/status": 404, "/metrics": 404, "/v1/rules": 404, "/healthz": 200} {
		if code, _, _ := getJSON(t, c, "GET", s.url+path, ""); code != want {
			t.Errorf("main GET %s: %d, want %d", path, code, want)
		}
	}
	if code, _, _ := getJSON(t, c, "GET", admin+"/v1/status", ""); code != 401 {
		t.Errorf("admin without token: %d", code)
	}
	if code, _, _ := getJSON(t, c, "GET", admin+"/v1/status", "", "Authorization", "Bearer operators-only-token"); code != 200 {
		t.Errorf("admin with token: %d", code)
	}
	if code := s.stop(); code != exitOK {
		t.Errorf("exit %d", code)
	}
}

func appliedOf(res map[string]any) []string {
	var ids []string
	l, _ := res["applied_rules"].([]any)
	for _, a := range l {
		ids = append(ids, a.(map[string]any)["id"].(string))
	}
	return ids
}
