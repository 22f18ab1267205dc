package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckDemo(t *testing.T) {
	code, out, errs := runCLI(t, "", "check", "--rules", "../../testdata/demo")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.HasSuffix(out, ": ok\n") || !strings.Contains(out, "cart rules") {
		t.Errorf("summary = %q", out)
	}
}

func TestCheckBroken(t *testing.T) {
	code, out, errs := runCLI(t, "", "check", "--rules", "testdata/broken")
	if code != exitWrong {
		t.Fatalf("exit %d, want %d", code, exitWrong)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	// One run reports the file's structure and its conditions alike.
	for _, want := range []string{
		`testdata/broken/rules.yaml:4:5: unknown key "priorty" in cart rule; did you mean "priority"?`,
		`testdata/broken/rules.yaml:5:20: unknown audience "VIP Shopers"; did you mean "VIP Shoppers"?`,
		`testdata/broken/rules.yaml:5:39: unknown field "cart.subtotl"; did you mean "cart.subtotal"?`,
		"3 errors",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks\n%s\ngot:\n%s", want, errs)
		}
	}
}

func TestCheckBrokenConditions(t *testing.T) {
	// Once the file's structure is right, the conditions are checked, each
	// problem at its column in the YAML file, with the line and a caret.
	code, _, errs := runCLI(t, "", "check", "--rules", "testdata/badcond")
	if code != exitWrong {
		t.Fatalf("exit %d, want %d\n%s", code, exitWrong, errs)
	}
	want := `testdata/badcond/rules.yaml:4:20: unknown audience "VIP Shopers"; did you mean "VIP Shoppers"?
        when: audience("VIP Shopers") and cart.subtotl >= 100
                       ^
testdata/badcond/rules.yaml:4:39: unknown field "cart.subtotl"; did you mean "cart.subtotal"?
        when: audience("VIP Shopers") and cart.subtotl >= 100
                                          ^
2 errors
`
	if errs != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errs, want)
	}
}

func TestCheckMissingDir(t *testing.T) {
	code, _, errs := runCLI(t, "", "check", "--rules", "testdata/nope")
	if code != exitCantRun || !strings.Contains(errs, "rules directory") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestEvalDemo(t *testing.T) {
	code, out, errs := runCLI(t, "", "eval", "--rules", "../../testdata/demo", "--explain", "../../testdata/demo/carts/vip-shoes.json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var res struct {
		AppliedRules []struct{ ID string } `json:"applied_rules"`
		Totals       map[string]string     `json:"totals"`
		Explain      []struct{ Rule, Status string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(res.AppliedRules) == 0 || res.Totals["grand_total"] == "" || len(res.Explain) == 0 {
		t.Errorf("unexpected result: %s", out)
	}
}

func TestEvalSegmentsAndStdin(t *testing.T) {
	cart := `{"now": "2026-10-01T12:00:00Z", "customer": {"group": "vip"},
	  "items": [{"sku": "A", "qty": 1, "price": "100.00"}]}`
	_, plain, _ := runCLI(t, cart, "eval", "--rules", "../../testdata/demo", "-")
	code, vip, errs := runCLI(t, cart, "eval", "--rules", "../../testdata/demo", "--segments", "a791c66e-df31-4216-bf09-4f07500b5c0f", "-")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(vip, `"VIP Shoppers"`) || strings.Contains(plain, `"VIP Shoppers"`) {
		t.Errorf("membership not applied:\nwithout: %s\nwith: %s", plain, vip)
	}
}

func TestEvalBadInput(t *testing.T) {
	tests := []struct {
		name, cart string
		args       []string
		want       string
	}{
		{"bad qty", `{"items": [{"sku": "A", "qty": 0, "price": 1}]}`, nil, "stdin: items[0].qty: must be > 0"},
		{"bad json", `{"items": [`, nil, "stdin: "},
		{"bad membership", `{"items": [{"sku": "A", "qty": 1, "price": 1}]}`, []string{"--segments", "%zz"}, "--segments: aep-segments-membership: malformed percent-encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"eval", "--rules", "../../testdata/demo"}, tt.args...)
			code, out, errs := runCLI(t, tt.cart, append(args, "-")...)
			if code != exitWrong || out != "" || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errs, tt.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := runCLI(t, "", "frobnicate"); code != exitCantRun {
		t.Errorf("unknown command: exit %d", code)
	}
	if code, out, _ := runCLI(t, "", "--help"); code != exitOK || !strings.Contains(out, "check") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}

func TestVersion(t *testing.T) {
	code, out, errs := runCLI(t, "", "--version")
	if code != exitOK || !strings.HasPrefix(out, "ruled ") || !strings.Contains(out, "go1.") || errs != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestRulesFlag: --rules is a flag of the commands that read a rules
// directory, and of no other.
func TestRulesFlag(t *testing.T) {
	for cmd, takes := range map[string]bool{"check": true, "eval": true, "serve": true, "test": true, "fmt": true, "convert": false, "schema": false} {
		_, out, _ := runCLI(t, "", cmd, "--help")
		if got := strings.Contains(out, "--rules=DIR"); got != takes {
			t.Errorf("ruled %s --help lists --rules: %v, want %v\n%s", cmd, got, takes, out)
		}
	}
	code, _, errs := runCLI(t, "", "schema", "--rules", "x")
	if code != exitCantRun || !strings.Contains(errs, "unknown flag --rules") {
		t.Errorf("schema --rules: exit %d\n%s", code, errs)
	}
}

// TestRulesBeforeCommand: --rules written before the command goes to the
// command, as it did when it was a global flag; one after it still wins.
func TestRulesBeforeCommand(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string // in stdout
		errs string // in stderr
	}{
		{"--rules DIR check", []string{"--rules", "../../testdata/demo", "check"}, exitOK, ": ok\n", ""},
		{"--rules=DIR check", []string{"--rules=../../testdata/demo", "check"}, exitOK, ": ok\n", ""},
		{"a later --rules wins", []string{"--rules", "testdata/broken", "check", "--rules", "../../testdata/demo"}, exitOK, ": ok\n", ""},
		{"the broken project, named first", []string{"--rules", "testdata/broken", "check"}, exitWrong, "", "error"},
		{"a command two words deep", []string{"--rules", "../../testdata/demo", "audiences", "list"}, exitOK, "VIP Shoppers", ""},
		{"a command without --rules refuses it", []string{"--rules", "x", "schema"}, exitCantRun, "", "unknown flag --rules"},
		{"--rules without a value", []string{"--rules"}, exitCantRun, "", "--rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errs, tt.errs) {
				t.Errorf("ruled %s: exit %d (want %d)\nstdout %q (want %q in it)\nstderr %q (want %q in it)", strings.Join(tt.args, " "), code, tt.code, out, tt.out, errs, tt.errs)
			}
		})
	}
}
