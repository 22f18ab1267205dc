package loader

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// rule is a valid rule file with extra lines added to its one rule; they
// start on line 5.
func rule(extra string) string { return head + extra }

// files builds a project from name, content pairs.
func files(pairs ...string) fstest.MapFS {
	m := fstest.MapFS{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = &fstest.MapFile{Data: []byte(pairs[i+1])}
	}
	return m
}

// lines joins the lines of an expected diag.List.Error().
func lines(l ...string) string { return strings.Join(l, "\n") }

const allowedRuleKeys = "allowed: id, name, label, enabled, websites, customer_groups, from, to, priority, stop_further_rules, coupon, uses_per_coupon, uses_per_customer, budget, when, action"

// brokenTests are projects with problems. The diagnostics are compared
// whole: their text and codes are the loader's contract with users and
// tools. They also seed FuzzLoad.
var brokenTests = []struct {
	name  string
	fsys  fstest.MapFS
	want  string   // diag.List.Error()
	codes []string // the Code of each diagnostic, in order
}{
	{
		name:  "unknown key with suggestion",
		fsys:  files("rules.yaml", rule("    priorty: 5\n")),
		want:  `p/rules.yaml:5:5: unknown key "priorty" in cart rule; did you mean "priority"? ` + allowedRuleKeys,
		codes: []string{"unknown-key"},
	},
	{
		name:  "unknown key without suggestion",
		fsys:  files("rules.yaml", rule("    discount: 5\n")),
		want:  `p/rules.yaml:5:5: unknown key "discount" in cart rule; ` + allowedRuleKeys,
		codes: []string{"unknown-key"},
	},
	{
		name: "limits",
		fsys: files("rules.yaml", rule("    uses_per_coupon: 10\n    uses_per_customer: once\n    budget: {amount: -5, redemption: 3}\n")),
		want: lines(
			`p/rules.yaml:5:22: uses_per_coupon needs a coupon: the rule has no code to count (add coupon: CODE or coupon: generated)`,
			`p/rules.yaml:6:24: uses_per_customer is the string "once": want a whole number`,
			`p/rules.yaml:7:22: budget amount -5 is negative: use 0 or leave it out for no cap`,
			`p/rules.yaml:7:26: unknown key "redemption" in budget; did you mean "redemptions"? allowed: amount, redemptions`),
		codes: []string{"invalid-value", "wrong-type", "invalid-amount", "unknown-key"},
	},
	{
		name:  "unknown top-level key",
		fsys:  files("rules.yaml", "cart_rule: []\n"),
		want:  `p/rules.yaml:1:1: unknown key "cart_rule" in rule file; did you mean "cart_rules"? allowed: cart_rules, blocks, placements`,
		codes: []string{"unknown-key"},
	},
	{
		name: "wrong types",
		fsys: files("rules.yaml", rule("    priority: high\n    enabled: yes\n    label: {text: R}\n    websites: [base, [fr]]\n")),
		want: lines(
			`p/rules.yaml:5:15: priority is the string "high": want a whole number`,
			`p/rules.yaml:6:14: enabled is the string "yes": want true or false`,
			`p/rules.yaml:7:12: label is a mapping: want a string`,
			`p/rules.yaml:8:22: websites item is a list: want a string`,
		),
		codes: []string{"wrong-type", "wrong-type", "wrong-type", "wrong-type"},
	},
	{
		name:  "duplicate key",
		fsys:  files("rules.yaml", rule("    name: Again\n")),
		want:  `p/rules.yaml:5:5: duplicate key "name" in cart rule: first written at p/rules.yaml:3:5`,
		codes: []string{"duplicate-key"},
	},
	{
		name:  "duplicate rule id across files",
		fsys:  files("a/one.yaml", rule(""), "b/two.yaml", rule("")),
		want:  `p/b/two.yaml:2:9: duplicate rule id "r": already used at p/a/one.yaml:2:9`,
		codes: []string{"duplicate-rule-id"},
	},
	{
		name: "bad dates",
		fsys: files("rules.yaml", rule("    from: 2026-13-01\n    to: 2026-11-01 10:00\n"),
			"audiences.yaml", "audiences:\n  - id: a1\n    name: VIP\n    updated: yesterday\n"),
		want: lines(
			`p/audiences.yaml:4:14: updated "yesterday" is not an RFC 3339 time: want one such as 2026-01-15T10:30:00Z`,
			`p/rules.yaml:5:11: from "2026-13-01" is not a date: want a day such as 2026-11-01 or an RFC 3339 time such as 2026-11-01T09:00:00+01:00`,
			`p/rules.yaml:6:9: to "2026-11-01 10:00" is not a date: want a day such as 2026-11-01 or an RFC 3339 time such as 2026-11-01T09:00:00+01:00`,
		),
		codes: []string{"invalid-date", "invalid-date", "invalid-date"},
	},
	{
		name:  "bad time zone",
		fsys:  files("ruled.yaml", "timezone: Europe/Pariss\ncurrency: EUR\n"),
		want:  `p/ruled.yaml:1:11: unknown time zone "Europe/Pariss": want an IANA name such as Europe/Paris or America/New_York`,
		codes: []string{"unknown-timezone"},
	},
	{
		name:  "server time zone",
		fsys:  files("ruled.yaml", "timezone: Local\n"),
		want:  `p/ruled.yaml:1:11: time zone "Local" is the server's zone: want an IANA name such as Europe/Paris or America/New_York`,
		codes: []string{"unknown-timezone"},
	},
	{
		name:  "unknown currency",
		fsys:  files("ruled.yaml", "currency: EURO\n"),
		want:  `p/ruled.yaml:1:11: unknown currency "EURO": want an ISO 4217 code such as USD, EUR or JPY`,
		codes: []string{"unknown-currency"},
	},
	{
		name:  "syntax error",
		fsys:  files("rules.yaml", rule("    when: [cart.subtotal > 1\n    priority: 1\n")),
		want:  `p/rules.yaml:5:1: syntax error: did not find expected ',' or ']'`,
		codes: []string{"yaml-syntax"},
	},
	{
		name:  "syntax error on line 1",
		fsys:  files("rules.yaml", "cart_rules: a: b\n"),
		want:  `p/rules.yaml:1:1: syntax error: mapping values are not allowed in this context`,
		codes: []string{"yaml-syntax"},
	},
	{
		name:  "unknown anchor",
		fsys:  files("rules.yaml", rule("    when: *vip\n")),
		want:  `p/rules.yaml:5:11: syntax error: alias *vip names no anchor: define &vip before using it`,
		codes: []string{"yaml-syntax"},
	},
	{
		name:  "list where a mapping is expected",
		fsys:  files("rules.yaml", "cart_rules:\n  - id: r\n    name: R\n    action: [by_percent, 10]\n"),
		want:  `p/rules.yaml:4:13: action is a list: want a mapping`,
		codes: []string{"wrong-type"},
	},
	{
		name:  "cart_rules is not a list",
		fsys:  files("rules.yaml", "cart_rules:\n  id: r\n"),
		want:  `p/rules.yaml:2:3: cart_rules is a mapping: want a list of cart rules`,
		codes: []string{"wrong-type"},
	},
	{
		name:  "file is a list",
		fsys:  files("rules.yaml", "- id: r\n"),
		want:  `p/rules.yaml:1:1: the file is a list: want a mapping with cart_rules, placements or blocks`,
		codes: []string{"wrong-type"},
	},
	{
		name:  "rule is not a mapping",
		fsys:  files("rules.yaml", "cart_rules:\n  - r\n"),
		want:  `p/rules.yaml:2:5: cart rule is the string "r": want a mapping`,
		codes: []string{"wrong-type"},
	},
	{
		name: "non-numeric amounts",
		fsys: files("rules.yaml", "cart_rules:\n  - id: r\n    name: R\n    action:\n      type: by_fixed\n      amount: ten\n      max_qty: 1e3\n      step: 0x10\n"),
		want: lines(
			`p/rules.yaml:6:15: action.amount is the string "ten": want a number`,
			`p/rules.yaml:7:16: action.max_qty "1e3" is not a plain decimal number: want digits with an optional fraction, such as 10 or 19.99`,
			`p/rules.yaml:8:13: action.step "0x10" is not a plain decimal number: want digits with an optional fraction, such as 10 or 19.99`,
		),
		codes: []string{"wrong-type", "invalid-number", "invalid-number"},
	},
	{
		name: "unknown action key",
		fsys: files("rules.yaml", "cart_rules:\n  - id: r\n    name: R\n    action: {type: by_fixed, amont: 5}\n"),
		want: lines(
			`p/rules.yaml:2:5: warning: amount is 0: the rule gives no discount (it still counts as applied and can stop later rules)`,
			`p/rules.yaml:4:30: unknown key "amont" in action; did you mean "amount"? allowed: type, amount, max_qty, step, apply_to_shipping, free_shipping, items`,
		),
		codes: []string{"zero-amount", "unknown-key"},
	},
	{
		name:  "invalid action values",
		fsys:  files("rules.yaml", "cart_rules:\n  - id: r\n    name: R\n    action:\n      type: by_percnt\n      amount: 10\n"),
		want:  `p/rules.yaml:5:13: unknown action type "by_percnt": want one of "by_percent", "by_fixed", "cart_fixed", "buy_x_get_y"; did you mean "by_percent"?`,
		codes: []string{"invalid-action"},
	},
	{
		name:  "null values count as not written",
		fsys:  files("rules.yaml", "cart_rules:\n  - id: r\n    name: R\n    label:\n    action:\n"),
		want:  `p/rules.yaml:5:12: cart rule "r" has no action.type: want one of "by_percent", "by_fixed", "cart_fixed", "buy_x_get_y"`,
		codes: []string{"missing-field"},
	},
	{
		name:  "file too large",
		fsys:  files("rules.yaml", "cart_rules: []\n"+strings.Repeat("#", maxFileSize)),
		want:  `p/rules.yaml: file is larger than 1 MiB: split it into several files`,
		codes: []string{"file-too-large"},
	},
	{
		name:  "invalid UTF-8",
		fsys:  files("rules.yaml", rule("    label: caf\xe9\n")),
		want:  `p/rules.yaml:5:15: invalid UTF-8 byte 0xe9: rule files must be UTF-8 text`,
		codes: []string{"invalid-encoding"},
	},
	{
		name:  "control character",
		fsys:  files("rules.yaml", rule("    label: \"a\x07\"\n")),
		want:  `p/rules.yaml:5:14: character U+0007 is not allowed in YAML: remove it or write it as an escape in a double-quoted string`,
		codes: []string{"invalid-character"},
	},
	{
		name:  "misplaced config",
		fsys:  files("promos/ruled.yaml", "timezone: UTC\n"),
		want:  `p/promos/ruled.yaml: warning: ruled.yaml is only read at the root of the rules directory: this one is ignored`,
		codes: []string{"misplaced-config"},
	},
	{
		name: "unknown keys in config and audiences",
		fsys: files("ruled.yaml", "timezon: UTC\n", "audiences.yaml", "audiences:\n  - id: a1\n    nam: VIP\n    name: VIP\n"),
		want: lines(
			`p/audiences.yaml:3:5: unknown key "nam" in audience; did you mean "name"? allowed: id, name, description, origin, updated, removed`,
			`p/ruled.yaml:1:1: unknown key "timezon" in ruled.yaml; did you mean "timezone"? allowed: timezone, currency, websites, membership, guardrails`,
		),
		codes: []string{"unknown-key", "unknown-key"},
	},
	{
		name:  "merge keys",
		fsys:  files("rules.yaml", "cart_rules:\n  - &base\n    id: a\n    name: A\n    action: {type: by_percent, amount: 10}\n  - <<: *base\n    id: b\n    priorty: 2\n"),
		want:  `p/rules.yaml:8:5: unknown key "priorty" in cart rule; did you mean "priority"? ` + allowedRuleKeys,
		codes: []string{"unknown-key"},
	},
	{
		name:  "merge cycle",
		fsys:  files("rules.yaml", "cart_rules:\n  - &a\n    id: a\n    name: A\n    action: {type: by_percent, amount: 10}\n    <<: *a\n"),
		want:  `p/rules.yaml:6:9: merge key includes a mapping that includes it: remove the cycle`,
		codes: []string{"invalid-merge"},
	},
	{
		name:  "alias bomb: lists",
		fsys:  files("rules.yaml", aliasBomb("websites: ["+strings.Repeat("w, ", 999)+"w]", 5000)),
		want:  `p/rules.yaml: aliases make this file too large to read: write the repeated parts out, or share less`,
		codes: []string{"excessive-aliasing"},
	},
	{
		name:  "alias bomb: long condition",
		fsys:  files("rules.yaml", aliasBomb("when: "+strings.Repeat("x or ", 20000)+"y", 100)),
		want:  `p/rules.yaml: aliases make this file too large to read: write the repeated parts out, or share less`,
		codes: []string{"excessive-aliasing"},
	},
	{
		name: "alias bomb: long unknown key",
		fsys: files("rules.yaml", aliasBomb("? "+strings.Repeat("k", 100000)+" : 1", 100)),
		want: lines(
			`p/rules.yaml: aliases make this file too large to read: write the repeated parts out, or share less`,
			`p/rules.yaml:2:66: unknown key "`+strings.Repeat("k", 60)+`"... in cart rule; `+allowedRuleKeys,
		),
		codes: []string{"excessive-aliasing", "unknown-key"},
	},
	{
		name: "documents after a syntax error are dropped, before kept",
		fsys: files("rules.yaml", rule("")+"---\ncart_rules: [\n", "other.yaml", rule("")),
		want: lines(
			`p/rules.yaml:2:9: duplicate rule id "r": already used at p/other.yaml:2:9`,
			`p/rules.yaml:6:1: syntax error: did not find expected node content`,
		),
		codes: []string{"duplicate-rule-id", "yaml-syntax"},
	},
	{
		name: "empty files and documents",
		fsys: files("empty.yaml", "", "comments.yaml", "# nothing yet\n", "dashes.yaml", "---\n---\n", "audiences.yaml", "audiences:\n"),
		want: "",
	},
}

func TestLoadBroken(t *testing.T) {
	for _, tt := range brokenTests {
		t.Run(tt.name, func(t *testing.T) {
			set, diags := LoadFS(tt.fsys, "p")
			if set == nil {
				t.Fatal("LoadFS returned a nil Set")
			}
			if got := diags.Error(); got != tt.want {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tt.want)
			}
			var codes []string
			for _, d := range diags {
				codes = append(codes, d.Code)
			}
			if diff := cmp.Diff(tt.codes, codes); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			for _, d := range diags {
				if d.Pos.Line > 0 && d.Source == "" && len(set.Sources[d.Pos.File]) >= d.Pos.Line {
					t.Errorf("%v: no source line attached", d)
				}
			}
		})
	}
}

// aliasBomb is a rule file with a rule holding extra, followed by n
// aliases to that rule.
func aliasBomb(extra string, n int) string {
	return "cart_rules:\n" +
		"  - &r {id: r, name: R, action: {type: by_percent, amount: 1}, " + extra + "}\n" +
		strings.Repeat("  - *r\n", n)
}
