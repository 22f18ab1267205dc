package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ruled/ruled/rules"
)

// TestBlockIndexAgreesWithPlain gives a random project placements with many
// blocks (audience, category, SKU and mixed conditions, windows, groups,
// related rules) and holds the blocks the indexed walk chooses to those
// of the walk over every block, with and without explain.
func TestBlockIndexAgreesWithPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 13))
	for _, n := range []int{5, 70, 200} {
		d := randomProject(r, 40)
		set := d.set
		rotations := []rules.Rotation{rules.RotateAll, rules.RotateRandom, rules.RotateSeries, rules.RotateShuffle}
		var placements []string
		for k, rot := range rotations {
			id := fmt.Sprintf("p%d", k)
			set.Placements = append(set.Placements, rules.Placement{ID: id, Rotation: rot, Limit: r.IntN(3)})
			placements = append(placements, id)
		}
		aud := func() string { return fmt.Sprintf(`"Aud %d"`, r.IntN(12)) }
		conds := []func() string{
			func() string { return "" },
			func() string { return "audience(" + aud() + ")" },
			func() string { return "not audience(" + aud() + ")" },
			func() string { return "audience(" + aud() + ") or audience(" + aud() + ")" },
			func() string { return "audience(" + aud() + ") and cart.subtotal >= 50" },
			func() string { return `any(items, "shoes" in item.categories)` },
			func() string { return `any(items, item.sku == "SKU-7") or audience(` + aud() + ")" },
			func() string { return "cart.subtotal > 100" },
		}
		for i := range n {
			b := rules.Block{ID: fmt.Sprintf("b%03d", i), Name: fmt.Sprintf("Block %d", i), Enabled: r.IntN(10) != 0,
				Placement: placements[r.IntN(len(placements))], Priority: r.IntN(4), Content: "x"}
			b.When.Text = conds[r.IntN(len(conds))]()
			if r.IntN(5) == 0 {
				b.CustomerGroups = []string{d.groups[r.IntN(len(d.groups))]}
			}
			if r.IntN(6) == 0 {
				b.RelatedRules = []string{set.CartRules[r.IntN(len(set.CartRules))].ID}
			}
			if r.IntN(5) == 0 {
				t0, _ := rules.ParseDate(fmt.Sprintf("2026-11-%02d", 1+r.IntN(28)))
				b.From = rules.Bound{Date: t0}
			}
			set.Blocks = append(set.Blocks, b)
		}
		p := mustCompile(t, set)
		for k := range 150 {
			c := randomCart(r, set, d, nil)
			opt := Options{Explain: k%2 == 0, Now: c.Now, Placements: placements, VisitorID: fmt.Sprint("v", k%7), View: k}
			if !agree(t, p, c, opt) {
				t.Fatalf("%d blocks, cart %d: %+v", n, k, c)
			}
		}
	}
}

// BenchmarkBlocks chooses the blocks of a placement of 1,000 banners, 80%
// of them for one audience each, for a shopper in 3 of 100 audiences:
// through the block index, and walking every block (the oracle).
func BenchmarkBlocks(b *testing.B) {
	set := &rules.Set{Config: rules.Config{Currency: "USD", Timezone: "UTC"}}
	for i := range 100 {
		set.Audiences = append(set.Audiences, rules.Audience{ID: fmt.Sprintf("seg-%03d", i), Name: fmt.Sprintf("Aud %d", i)})
	}
	set.Placements = []rules.Placement{{ID: "home.hero", Rotation: rules.RotateAll, Limit: 3}}
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 1000 {
		bl := rules.Block{ID: fmt.Sprintf("b%04d", i), Name: "Banner", Enabled: true, Placement: "home.hero", Priority: r.IntN(10), Content: "<img>"}
		if r.IntN(5) != 0 {
			bl.When.Text = fmt.Sprintf(`audience("Aud %d")`, r.IntN(100))
		} else {
			bl.When.Text = fmt.Sprintf("cart.subtotal >= %d", 50+r.IntN(500))
		}
		set.Blocks = append(set.Blocks, bl)
	}
	p := mustCompile(b, set)
	c := &Cart{Segments: []string{"seg-007", "seg-042", "seg-099"}}
	opt := Options{Placements: []string{"home.hero"}, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	b.Run("walk=indexed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.evaluateIndexed(c, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("walk=every-block", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.evaluatePlain(c, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
}
