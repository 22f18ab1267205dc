package dsl

import (
	"strings"
	"testing"
)

// TestNotBindsLooserThanComparison: "not" negates the whole comparison
// after it, as written, and what the checker accepts compiles.
func TestNotBindsLooserThanComparison(t *testing.T) {
	env := testEnv() // cart.subtotal 174.97, customer.group general
	var m Machine
	for src, want := range map[string]bool{
		`not cart.subtotal > 1`:                                 false,
		`not cart.subtotal < 1`:                                 true,
		`! cart.subtotal >= 1000`:                               true,
		`not not cart.subtotal > 1`:                             true,
		`not customer.group in ["general"] or coupon == "x"`:    false,
		`not cart.subtotal > 1 and customer.group == "general"`: false,
		`any(items, not item.qty > 2)`:                          true,
		`count(items, not item.price >= 25) == 1`:               true,
	} {
		p, errs := Compile(src, Options{Audiences: testAudiences})
		if len(errs) > 0 {
			t.Errorf("%s: %v", src, errs[0])
			continue
		}
		got, err := m.Eval(p, env)
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, want)
		}
	}
}

// FuzzLowering builds conditions from the fuzzer's bytes with the
// language's own pieces (fields, literals, operators, functions, not, and,
// or, parentheses), so that most parse and many pass the checker, and
// checks the contract between checker and lowering: whatever the checker
// accepts compiles, in both scopes.
func FuzzLowering(f *testing.F) {
	for _, seed := range [][]byte{{1, 0, 0, 4, 0}, {0, 0, 1, 2, 3}, {2, 7, 1, 0, 3, 9}, {5, 3, 3, 3, 1, 0, 2}, {7, 0, 1, 1, 1}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &condGen{data: data}
		src := g.cond(0, false)
		for _, item := range []bool{false, true} {
			_, errs := Compile(src, Options{Audiences: testAudiences, Item: item})
			for _, e := range errs {
				if e.Code == "internal" {
					t.Fatalf("the checker accepted %q (item scope %v) but it does not compile: %s", src, item, e.Msg)
				}
			}
		}
	})
}

// condGen writes a condition, each choice taken from the next byte.
type condGen struct {
	data []byte
	b    strings.Builder
}

func (g *condGen) pick(n int) int {
	if len(g.data) == 0 {
		return 0
	}
	c := int(g.data[0]) % n
	g.data = g.data[1:]
	return c
}

var (
	genFields = []string{"cart.subtotal", "cart.total_qty", "customer.group", "coupon", "shipping.country", "website",
		"items", "item.qty", "item.price", "item.sku", "item.categories", "item.attributes.size", "item.attributes.clearance"}
	genLiterals = []string{"1", "-2.5", "0", `"a"`, `"general"`, `["a", "b"]`, `[1, 2]`, "true", "false", "[]"}
	genCmp      = []string{"==", "!=", "<", "<=", ">", ">=", "in", "not in", "contains", "not contains", "starts with", "ends with"}
)

func (g *condGen) cond(depth int, item bool) string {
	if depth > 4 {
		return g.operand(depth, item)
	}
	switch g.pick(9) {
	case 0:
		return g.operand(depth, item) + " " + genCmp[g.pick(len(genCmp))] + " " + g.operand(depth, item)
	case 1:
		return "not " + g.cond(depth+1, item)
	case 2:
		return "!" + g.cond(depth+1, item)
	case 3:
		return g.cond(depth+1, item) + " and " + g.cond(depth+1, item)
	case 4:
		return g.cond(depth+1, item) + " or " + g.cond(depth+1, item)
	case 5:
		return "(" + g.cond(depth+1, item) + ")"
	case 6:
		return []string{"any", "all", "none"}[g.pick(3)] + "(items, " + g.cond(depth+1, true) + ")"
	case 7:
		return `audience("VIP Shoppers")`
	default:
		return g.operand(depth, item)
	}
}

func (g *condGen) operand(depth int, item bool) string {
	switch g.pick(7) {
	case 0, 1:
		return genFields[g.pick(len(genFields))]
	case 2:
		return genLiterals[g.pick(len(genLiterals))]
	case 3:
		if depth > 4 {
			return "count(items)"
		}
		return "count(items, " + g.cond(depth+1, true) + ")"
	case 4:
		return "sum(items, " + genFields[g.pick(len(genFields))] + ")"
	case 5:
		return "len(" + genFields[g.pick(len(genFields))] + ")"
	default:
		if depth > 4 {
			return "defined(item.attributes.size)"
		}
		return "(" + g.cond(depth+1, item) + ")"
	}
}
