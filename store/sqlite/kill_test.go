package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/store"
	"github.com/ruled/ruled/store/sqlite"
)

const killOrders = 2000

func killOrder(i int) store.Order {
	return store.Order{ID: fmt.Sprint("k-", i), Customer: fmt.Sprint(i % 10), Result: []byte("{}"),
		Claims: []store.Claim{{Rule: "k", Code: "kill", Discount: money.MustParse("1.25")}}}
}

// TestKilledMidway kills a process placing orders (SIGKILL, no clean
// shutdown) and places every order again: those that were committed are
// replays, the others count now, and the counters end exactly at one use
// per order: nothing lost, nothing counted twice.
func TestKilledMidway(t *testing.T) {
	if path := os.Getenv("RULED_KILL_STORE"); path != "" {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			os.Exit(3)
		}
		for i := range killOrders {
			if _, _, err := s.Place(context.Background(), killOrder(i)); err != nil {
				os.Exit(4)
			}
		}
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "usage.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledMidway$")
	cmd.Env = append(os.Environ(), "RULED_KILL_STORE="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()

	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, err := s.RuleUsage(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	replays := 0
	for i := range killOrders {
		_, replay, err := s.Place(context.Background(), killOrder(i))
		if err != nil {
			t.Fatal(err)
		}
		if replay {
			replays++
		}
	}
	u, err := s.Usage(context.Background(), "k", "kill", "")
	if err != nil {
		t.Fatal(err)
	}
	if replays != before.Redemptions || u.Redemptions != killOrders || u.CouponUses != killOrders || !u.Discount.Equal(money.MustParse("2500")) {
		t.Errorf("killed after %d orders, %d replays; then %+v, want %d uses and 2500.00", before.Redemptions, replays, u, killOrders)
	}
	t.Logf("killed after %d committed orders", before.Redemptions)
}
