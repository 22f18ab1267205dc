package engine_test

import (
	"os"
	"testing"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

func TestZZStats(t *testing.T) {
	dir := os.Getenv("STATS_DIR")
	if dir == "" {
		t.Skip()
	}
	set, diags := loader.Load(dir)
	if set == nil {
		t.Fatal(diags)
	}
	p, d := engine.Compile(set)
	if p == nil {
		t.Fatal(d)
	}
	body, _ := os.ReadFile(os.Getenv("STATS_CART"))
	c, err := engine.DecodeCart(body, p.CartDefaults())
	if err != nil {
		t.Fatal(err)
	}
	engine.Stats(p, c)
}
