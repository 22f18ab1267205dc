package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// End to end on a small project: ruled serve is built and started, a rule
// file changes once idle and once under load, and each change is seen
// live (the probe rule applies) before it is timed.
func TestRun(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ruled")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ruled")
	build.Dir = "../../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-ruled", bin, "-rules", "120", "-changes", "2", "-clients", "1", "-debounce", "20ms"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"ruled serve: 120 rules, ready in", "memory ready: VmRSS", "idle ", "under load (1 clients)", "0 failed"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestRunUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), nil, nil, &stdout, &stderr); code != 2 {
		t.Errorf("no -ruled: exit %d, want 2", code)
	}
}
