package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPipelineIncremental edits a copy of the demo store and checks that
// serve's pipeline, which parses only what changed, compiles only
// conditions it has not compiled before and nothing when the version did
// not change, gives what check builds from scratch.
func TestPipelineIncremental(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	if err := os.CopyFS(dir, os.DirFS(demoDir)); err != nil {
		t.Fatal(err)
	}
	b := &pipeline{dir: dir}
	first, err := b.run()
	if err != nil || first.Program == nil {
		t.Fatalf("first build: %v %v", err, first.Diags)
	}
	again, err := b.run()
	if err != nil || again.Program != first.Program || again.Parsed != 0 || again.Version != first.Version {
		t.Fatalf("unchanged: %+v, %v; want the same program, nothing parsed", again, err)
	}
	targeted := filepath.Join(dir, "rules", "targeted.yaml")
	orig, err := os.ReadFile(targeted)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, content string
		ok            bool
	}{
		{"a rule changed", strings.Replace(string(orig), "priority: 20", "priority: 21", 1), true},
		{"an unknown audience", strings.Replace(string(orig), `audience("VIP Shoppers")`, `audience("VIP Shopers")`, 1), false},
		{"back as it was", string(orig), true},
	}
	for _, s := range steps {
		if err := os.WriteFile(targeted, []byte(s.content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := b.run()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		scratch, err := load(dir)
		if err != nil {
			t.Fatal(err)
		}
		prog, diags := scratch.Program, scratch.Diags
		if got.Parsed != 1 || (got.Program != nil) != s.ok || (prog != nil) != s.ok {
			t.Errorf("%s: parsed %d, program %v, from scratch %v; want 1 file parsed and a program: %v", s.name, got.Parsed, got.Program != nil, prog != nil, s.ok)
		}
		if diff := cmp.Diff(diags, got.Diags); diff != "" {
			t.Errorf("%s: diagnostics differ from a build from scratch (-scratch +incremental):\n%s", s.name, diff)
		}
		if got.Program != nil && got.Program.Summary() != prog.Summary() {
			t.Errorf("%s: %s, from scratch %s", s.name, got.Program.Summary(), prog.Summary())
		}
	}
}
