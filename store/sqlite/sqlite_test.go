package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ruled/ruled/store"
	"github.com/ruled/ruled/store/sqlite"
	"github.com/ruled/ruled/store/storetest"
)

func open(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "usage.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

// TestReopen checks that counts outlive the process's handle on the file.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Place(ctx, store.Order{ID: "a", Claims: []store.Claim{{Rule: "r"}}, Result: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.RuleUsage(ctx, "r")
	if err != nil || u.Redemptions != 1 {
		t.Errorf("after reopening: %+v, %v", u, err)
	}
}

func BenchmarkPlace(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "usage.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.Bench(b, s)
}
