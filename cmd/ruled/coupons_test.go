package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const poolRules = `cart_rules:
  - id: pool
    name: Pool
    coupon: generated
    uses_per_coupon: 1
    budget: {amount: 5000, redemptions: 100}
    action: {type: cart_fixed, amount: 5}
  - id: fixed
    name: Fixed
    coupon: SAVE
    action: {type: by_percent, amount: 5}
`

func TestCouponsAndUsage(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(poolRules), 0o644); err != nil {
		t.Fatal(err)
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "usage.db")
	code, out, errs := runCLI(t, "", "coupons", "generate", "--rules", dir, "--store", db, "--rule", "pool", "--qty", "20", "--length", "8", "--prefix", "WEL-", "--dash", "4")
	if code != 0 {
		t.Fatalf("generate: %d %s", code, errs)
	}
	codes := strings.Fields(out)
	form := regexp.MustCompile(`^WEL-[A-Z0-9]{4}-[A-Z0-9]{4}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !form.MatchString(c) || seen[c] {
			t.Errorf("code %q: wrong form or repeated", c)
		}
		seen[c] = true
	}
	if len(codes) != 20 {
		t.Fatalf("%d codes", len(codes))
	}
	// A second run adds 20 more, none of the first.
	if code, out, errs = runCLI(t, "", "coupons", "generate", "--rules", dir, "--store", db, "--rule", "pool", "--qty", "20", "--length", "8", "--format", "num"); code != 0 {
		t.Fatalf("second generate: %d %s", code, errs)
	}
	if code, out, errs = runCLI(t, "code\nfriend-1\nFRIEND-2\n", "coupons", "import", "--rules", dir, "--store", db, "--rule", "pool", "-"); code != 0 || !strings.Contains(out, "2 codes imported") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	if code, _, errs = runCLI(t, "FRIEND-1\n", "coupons", "import", "--rules", dir, "--store", db, "--rule", "pool", "-"); code != 1 || !strings.Contains(errs, "already exists") {
		t.Errorf("importing a taken code: %d %s", code, errs)
	}
	if code, _, errs = runCLI(t, "", "coupons", "generate", "--rules", dir, "--store", db, "--rule", "fixed", "--qty", "1"); code != 1 || !strings.Contains(errs, "rules.yaml:10:13: rule fixed takes no generated codes") {
		t.Errorf("generate for a rule without a pool: %d %s", code, errs)
	}
	code, out, errs = runCLI(t, "", "coupons", "list", "--rules", dir, "--store", db, "--rule", "pool", "--format", "json")
	var list []struct {
		Code string
		Uses int
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 42 {
		t.Fatalf("list: %d %v %d codes %s", code, err, len(list), errs)
	}
	if code, out, _ = runCLI(t, "", "coupons", "export", "--rules", dir, "--store", db, "--rule", "pool"); code != 0 || !strings.HasPrefix(out, "code,uses,created\n") || strings.Count(out, "\n") != 43 {
		t.Errorf("export: %d\n%s", code, out)
	}
	if code, out, errs = runCLI(t, "", "usage", "--rules", dir, "--store", db, "--rule", "pool"); code != 0 || out != "rule pool: 0 redemptions, 0.00 USD discount given\nbudget: 5000.00 of 5000.00 USD left\nredemptions: 100 of 100 left\n" {
		t.Errorf("usage: %d %q %s", code, out, errs)
	}
	if code, out, _ = runCLI(t, "", "store", "migrate", "--rules", dir, "--store", db); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("store migrate: %d %s", code, out)
	}
	if code, _, errs = runCLI(t, "", "usage", "--rules", dir, "--store", "mysql://x", "--rule", "pool"); code != 2 || !strings.Contains(errs, "want sqlite:PATH") {
		t.Errorf("unknown store: %d %s", code, errs)
	}
}
