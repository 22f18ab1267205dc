package rules

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
)

func TestValidate(t *testing.T) {
	at := func(line int) diag.Pos { return diag.Pos{File: "r.yaml", Line: line, Col: 5} }
	good := func() CartRule {
		return CartRule{ID: "ok", Name: "OK", Enabled: true, Pos: at(1),
			Action: Action{Type: ByPercent, Amount: money.MustParse("10")}}
	}
	tests := []struct {
		name string
		edit func(s *Set)
		want string
	}{
		{"valid", func(s *Set) {}, ""},
		{"duplicate id", func(s *Set) {
			r := good()
			r.Pos, r.Fields = at(9), map[string]diag.Pos{"id": at(9)}
			s.CartRules = append(s.CartRules, r)
		}, `r.yaml:9:5: duplicate rule id "ok": already used at r.yaml:1:5`},
		{"duplicate id read before the first", func(s *Set) {
			// a/x.yaml is read before a.yaml (a directory's files come
			// after the directory's name), but a.yaml comes first in
			// reading order: the later definition is the one reported.
			inDir := func(file string, line int) diag.Pos { return diag.Pos{File: file, Line: line, Col: 9} }
			s.CartRules[0].Pos, s.CartRules[0].Fields = inDir("a/x.yaml", 2), map[string]diag.Pos{"id": inDir("a/x.yaml", 2)}
			r := good()
			r.Pos, r.Fields = inDir("a.yaml", 7), map[string]diag.Pos{"id": inDir("a.yaml", 7)}
			s.CartRules = append(s.CartRules, r)
			s.Placements = []Placement{
				{ID: "hero", Pos: inDir("a/x.yaml", 10), Fields: map[string]diag.Pos{"id": inDir("a/x.yaml", 10)}},
				{ID: "hero", Pos: inDir("a.yaml", 12), Fields: map[string]diag.Pos{"id": inDir("a.yaml", 12)}},
			}
			s.Blocks = []Block{
				{ID: "b", Name: "B", Enabled: true, Placement: "hero", Content: "x", Pos: inDir("a/x.yaml", 20), Fields: map[string]diag.Pos{"id": inDir("a/x.yaml", 20)}},
				{ID: "b", Name: "B", Enabled: true, Placement: "hero", Content: "x", Pos: inDir("a.yaml", 22), Fields: map[string]diag.Pos{"id": inDir("a.yaml", 22)}},
			}
			s.Audiences = []Audience{
				{ID: "seg", Name: "VIP", Pos: inDir("a/audiences.yaml", 3), Fields: map[string]diag.Pos{"id": inDir("a/audiences.yaml", 3)}},
				{ID: "seg", Name: "Other", Pos: inDir("audiences.yaml", 3), Fields: map[string]diag.Pos{"id": inDir("audiences.yaml", 3)}},
			}
		}, strings.Join([]string{
			`a/x.yaml:2:9: duplicate rule id "ok": already used at a.yaml:7:9`,
			`a/x.yaml:10:9: duplicate placement id "hero": already used at a.yaml:12:9`,
			`a/x.yaml:20:9: duplicate block id "b": already used at a.yaml:22:9`,
			`audiences.yaml:3:9: duplicate audience id "seg": already used at a/audiences.yaml:3:9`,
		}, "\n")},
		{"bad id", func(s *Set) { s.CartRules[0].ID = "VIP Shoes" }, `r.yaml:1:5: invalid rule id "VIP Shoes": use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit`},
		{"unknown action", func(s *Set) { s.CartRules[0].Action.Type = "by_precent" }, `r.yaml:1:5: unknown action type "by_precent": want one of "by_percent", "by_fixed", "cart_fixed", "buy_x_get_y"; did you mean "by_percent"?`},
		{"percent over 100", func(s *Set) { s.CartRules[0].Action.Amount = money.MustParse("150") }, `r.yaml:1:5: by_percent amount 150 is over 100: a discount cannot exceed the price`},
		{"bxgy needs X", func(s *Set) { s.CartRules[0].Action = Action{Type: BuyXGetY, Amount: money.One} }, `r.yaml:1:5: buy_x_get_y needs step, the X units to buy: want a whole number of at least 1`},
		{"limits", func(s *Set) {
			r := &s.CartRules[0]
			r.UsesPerCoupon, r.UsesPerCustomer = 5, -1
			r.Budget = Budget{Amount: money.MustParse("-1"), Redemptions: -2}
			r.Fields = map[string]diag.Pos{"uses_per_coupon": at(2), "uses_per_customer": at(3), "budget.amount": at(4), "budget.redemptions": at(5)}
		}, strings.Join([]string{
			`r.yaml:2:5: uses_per_coupon needs a coupon: the rule has no code to count (add coupon: CODE or coupon: generated)`,
			`r.yaml:3:5: uses_per_customer -1 is negative: use 0 or leave it out for no limit`,
			`r.yaml:4:5: budget amount -1 is negative: use 0 or leave it out for no cap`,
			`r.yaml:5:5: budget redemptions -2 is negative: use 0 or leave it out for no cap`,
		}, "\n")},
		{"limits with a generated pool", func(s *Set) {
			s.CartRules[0].GeneratedCoupons, s.CartRules[0].UsesPerCoupon = true, 1
		}, ""},
		{"window", func(s *Set) {
			s.CartRules[0].From = Bound{Date: Date{2026, 12, 31}}
			s.CartRules[0].To = Bound{Date: Date{2026, 12, 1}}
		}, `r.yaml:1:5: to (2026-12-01) is before from (2026-12-31): the rule could never apply`},
		{"currency", func(s *Set) { s.Config.Currency = "USDD" }, `-: unknown currency "USDD": want an ISO 4217 code such as USD, EUR or JPY`},
		{"duplicate audience name", func(s *Set) {
			s.Audiences = []Audience{{ID: "a", Name: "VIP", Pos: at(2)}, {ID: "b", Name: "vip", Pos: at(3)}}
		}, `r.yaml:3:5: duplicate audience name "vip": already used at r.yaml:2:5`},
		{"blocks", func(s *Set) {
			s.Placements = []Placement{{ID: "home.hero", Rotation: "randon", Pos: at(4)}}
			s.Blocks = []Block{{ID: "b1", Name: "B", Enabled: true, Placement: "home.hreo", RelatedRules: []string{"okk"}, Content: "x", Pos: at(5)}}
		}, strings.Join([]string{
			`r.yaml:4:5: unknown rotation "randon": want one of "all", "random", "series", "shuffle"; did you mean "random"?`,
			`r.yaml:5:5: unknown cart rule "okk" in related_rules; did you mean "ok"?`,
			`r.yaml:5:5: unknown placement "home.hreo"; did you mean "home.hero"?`,
		}, "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Set{CartRules: []CartRule{good()}}
			tt.edit(s)
			l := Validate(s)
			l.Sort()
			if got := l.Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestExprPosAt(t *testing.T) {
	e := Expr{Text: `audience("VIP") and x`, Pos: diag.Pos{File: "f", Line: 3, Col: 11}}
	if got := e.PosAt(9).String(); got != "f:3:20" {
		t.Errorf("PosAt(9) = %s", got)
	}
	multi := Expr{Text: "a\nb", Offsets: []diag.Pos{{File: "f", Line: 4, Col: 3}, {File: "f", Line: 4, Col: 4}, {File: "f", Line: 5, Col: 3}}}
	if got := multi.PosAt(2).String(); got != "f:5:3" {
		t.Errorf("PosAt(2) = %s", got)
	}
}

// TestValidIDMatchesPattern checks the written-out id check against the
// pattern it stands for, on ids built from every class of byte around it.
func TestValidIDMatchesPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	parts := []string{"", "a", "z", "0", "9", ".", "_", "-", "A", "Z", " ", "/", "é", "\x00", "\n", "rule-01", "Rule"}
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range parts {
				id := a + b + c
				if got, want := ValidID(id), pattern.MatchString(id); got != want {
					t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
				}
			}
		}
	}
}
