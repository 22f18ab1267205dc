package whatif

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/corpus"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// edit is a change to one file of the base rule set: old replaced by new,
// or the file removed when old is empty and new is "".
type edit struct{ file, old, new string }

var (
	amountChange = edit{"rules.yaml", "      amount: 10\n", "      amount: 15\n"}
	newRule      = edit{"rules.yaml", "cart_rules:\n", `cart_rules:
  - id: socks-3for2
    name: Socks 3 for 2
    priority: 15
    action:
      type: buy_x_get_y
      step: 2
      amount: 1
      items: '"socks" in item.categories'
`}
	removedRule = edit{"rules.yaml", `  - id: vip-five
    name: VIP $5 off
    priority: 20
    when: audience("VIP Shoppers")
    action:
      type: cart_fixed
      amount: 5
`, ""}
	audienceChange = edit{"rules.yaml", `    when: audience("VIP Shoppers")`, `    when: audience("Lapsed Customers")`}
	blockChange    = edit{"blocks.yaml", `    when: audience("VIP Shoppers")`, `    when: audience("Lapsed Customers")`}
)

// ruleSet copies testdata/base into a temporary directory with edits and
// compiles it.
func ruleSet(t *testing.T, edits ...edit) *engine.Program {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"ruled.yaml", "audiences.yaml", "rules.yaml", "blocks.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/base", name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		for _, e := range edits {
			if e.file != name {
				continue
			}
			if !strings.Contains(s, e.old) {
				t.Fatalf("%s has no %q", name, e.old)
			}
			s = strings.Replace(s, e.old, e.new, 1)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, diags := loader.Load(dir)
	p, more := engine.Compile(set)
	if diags.HasErrors() || more.HasErrors() {
		t.Fatalf("rules: %v %v", diags, more)
	}
	return p
}

func scan(path string) Source {
	return func(fn func(*corpus.Entry, error) error) error { return corpus.Scan(path, fn) }
}

var at = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

func compare(t *testing.T, workers int, edits ...edit) *Report {
	t.Helper()
	r, err := Compare(context.Background(), Side{"base", ruleSet(t)}, Side{"head", ruleSet(t, edits...)},
		scan("testdata/carts.ndjson"), Options{At: at, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	r.Corpus = "testdata/carts.ndjson"
	return r
}

// summary is the gist of a report: changed carts, then each rule and
// placement that moved.
func summary(r *Report) []string {
	out := []string{fmt.Sprintf("changed %d of %d, skipped %d", r.Changed, r.Carts, r.Skipped)}
	for _, rc := range r.Rules {
		out = append(out, fmt.Sprintf("rule %s%s +%d -%d ~%d %s", rc.ID, status(rc.Status), rc.NewlyApplies, rc.StopsApplying, rc.AmountChanged, amounts(rc.Discount)))
	}
	for _, b := range r.Blocks {
		out = append(out, fmt.Sprintf("placement %s %d of %d", b.Placement, b.Changed, b.Carts))
	}
	return out
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits []edit
		want  []string
	}{
		{name: "nothing changed", want: []string{"changed 0 of 10, skipped 2"}},
		{name: "a changed amount", edits: []edit{amountChange}, want: []string{
			"changed 3 of 10, skipped 2",
			"rule ten-off-shoes +0 -0 ~3 CAD 12.00 → 18.00 (+6.00); USD 25.00 → 37.50 (+12.50)",
		}},
		{name: "a new rule", edits: []edit{newRule}, want: []string{
			"changed 3 of 10, skipped 2",
			"rule socks-3for2 (added) +3 -0 ~0 USD 0.00 → 36.00 (+36.00)",
		}},
		{name: "a removed rule", edits: []edit{removedRule}, want: []string{
			"changed 3 of 10, skipped 2",
			"rule vip-five (removed) +0 -3 ~0 CAD 5.00 → 0.00 (-5.00); USD 10.00 → 0.00 (-10.00)",
		}},
		{name: "a changed audience", edits: []edit{audienceChange}, want: []string{
			// USD gains two carts and loses two alike: only CAD, which
			// moved, is listed.
			"changed 5 of 10, skipped 2",
			"rule vip-five +2 -3 ~0 CAD 5.00 → 0.00 (-5.00)",
		}},
		{name: "a block change", edits: []edit{blockChange}, want: []string{
			// The VIP carts lose the strip, the lapsed one gains it.
			"changed 3 of 10, skipped 2",
			"placement cart.strip 3 of 4",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := compare(t, 2, tc.edits...)
			if diff := cmp.Diff(tc.want, summary(r)); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if r.HasChanges() != (len(tc.edits) > 0) {
				t.Errorf("HasChanges %v", r.HasChanges())
			}
		})
	}
}

// TestWorkers: the report does not depend on how many workers made it.
func TestWorkers(t *testing.T) {
	all := []edit{amountChange, newRule, audienceChange, blockChange}
	one := compare(t, 1, all...)
	for _, n := range []int{2, 3, 8} {
		if diff := cmp.Diff(one, compare(t, n, all...)); diff != "" {
			t.Errorf("%d workers (-1 +%d):\n%s", n, n, diff)
		}
	}
}

// TestRender compares the three renderings of one report with every kind
// of change against golden files.
func TestRender(t *testing.T) {
	r := compare(t, 2, amountChange, newRule, audienceChange, blockChange)
	for _, f := range []struct {
		ext    string
		render func(*bytes.Buffer, *Report) error
	}{
		{"md", func(b *bytes.Buffer, r *Report) error { return Markdown(b, r) }},
		{"json", func(b *bytes.Buffer, r *Report) error { return JSON(b, r) }},
		{"txt", func(b *bytes.Buffer, r *Report) error { return Text(b, r) }},
	} {
		t.Run(f.ext, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.render(&b, r); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "report.golden."+f.ext)
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%s (-golden +got):\n%s", golden, diff)
			}
		})
	}
}

// TestCompareCancelled: a comparison stops when its context ends.
func TestCompareCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := ruleSet(t)
	endless := func(fn func(*corpus.Entry, error) error) error {
		for i := 0; ; i++ {
			e := &corpus.Entry{ID: strconv.Itoa(i), Seq: i, Cart: []byte(`{"items":[]}`)}
			if err := fn(e, nil); err != nil {
				return err
			}
		}
	}
	if _, err := Compare(ctx, Side{"a", p}, Side{"b", p}, endless, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}
