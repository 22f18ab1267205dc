package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruled/ruled/bench/gen"
)

func TestRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	if err := gen.New(gen.Options{Rules: 150, Audiences: 50}).Write(dir); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(t.TempDir(), "heap.pprof")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-dir", dir, "-profile", profile, "-reloads", "2"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"150 cart rules, 50 audiences", "HeapAlloc", "HeapInuse", "reload 1:", "reload 2:", "compile"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if st, err := os.Stat(profile); err != nil || st.Size() == 0 {
		t.Errorf("heap profile: %v", err)
	}

	if code := run(context.Background(), nil, nil, &stdout, &stderr); code != 2 {
		t.Errorf("no -dir: exit %d, want 2", code)
	}
}
