package engine

import (
	"sync"
	"testing"
	"time"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

func TestLiveEmpty(t *testing.T) {
	var l Live
	if g := l.Load(); g != nil {
		t.Fatalf("Load on a zero Live = %+v, want nil", g)
	}
}

func TestLiveSwap(t *testing.T) {
	var l Live
	p1 := mustCompile(t, testSet(rules.CartRule{ID: "one"}))
	p2 := mustCompile(t, testSet(rules.CartRule{ID: "two"}))
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

	g1 := l.Swap(p1, "v1", at)
	if got := l.Load(); got != g1 || got.Program != p1 || got.Version != "v1" || !got.LoadedAt.Equal(at) || got.Seq != 1 {
		t.Fatalf("after first Swap, Load = %+v", got)
	}
	g2 := l.Swap(p2, "v2", at.Add(time.Minute))
	if got := l.Load(); got != g2 || got.Program != p2 || got.Seq != 2 {
		t.Fatalf("after second Swap, Load = %+v", got)
	}
	// A request still holding the first generation keeps all of it.
	if g1.Program != p1 || g1.Version != "v1" || g1.Seq != 1 {
		t.Errorf("old generation changed: %+v", g1)
	}
}

func TestLiveSwapNil(t *testing.T) {
	var l Live
	defer func() {
		if recover() == nil {
			t.Error("Swap(nil) did not panic")
		}
	}()
	l.Swap(nil, "v", time.Now())
}

// TestLiveConcurrent swaps between two programs while readers evaluate: each
// reader's result must be the one of the generation it loaded, never a mix.
func TestLiveConcurrent(t *testing.T) {
	percent := func(id, amount string) *Program {
		r := rules.CartRule{ID: id, Action: rules.Action{Type: rules.ByPercent, Amount: money.MustParse(amount)}}
		return mustCompile(t, testSet(r))
	}
	progs := []*Program{percent("ten", "10"), percent("twenty", "20")}
	want := map[string]string{"ten": "13.00", "twenty": "26.00"} // of 130.00
	cart := mustCart(t, twoLines)

	var l Live
	l.Swap(progs[0], "ten", time.Now())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				g := l.Load()
				res, err := g.Program.Evaluate(cart, Options{})
				if err != nil {
					t.Errorf("Evaluate: %v", err)
					return
				}
				if res.Totals.Discount != want[g.Version] {
					t.Errorf("generation %s gave discount %s, want %s", g.Version, res.Totals.Discount, want[g.Version])
					return
				}
			}
		})
	}
	for i := range 200 {
		p := progs[i%2]
		l.Swap(p, p.rules[0].ID, time.Now())
	}
	close(stop)
	wg.Wait()
	if g := l.Load(); g.Seq != 201 {
		t.Errorf("Seq after 201 swaps = %d", g.Seq)
	}
}
