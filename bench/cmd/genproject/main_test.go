package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	cart := filepath.Join(dir, "cart.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-rules", "150", "-audiences", "50", "-dir", filepath.Join(dir, "p"), "-cart", cart}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "wrote 150 rules, 50 audiences"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	set, diags := loader.Load(filepath.Join(dir, "p"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, diags := engine.Compile(set)
	if p == nil {
		t.Fatal(diags)
	}
	body, err := os.ReadFile(cart)
	if err != nil {
		t.Fatal(err)
	}
	c, err := engine.DecodeCart(body, p.CartDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Evaluate(c, engine.Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-dir", "x", "extra"}, {"-nope"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, nil, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
