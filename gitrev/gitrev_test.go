package gitrev

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is required in CI")
		}
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	run(t, repo, "init", "-q", "-b", "main")
	rules := filepath.Join(repo, "shop", "rules")
	write(t, filepath.Join(rules, "a.yaml"), "old a\n")
	write(t, filepath.Join(rules, "sub", "b.yaml"), "old b\n")
	write(t, filepath.Join(repo, "other.txt"), "not rules\n")
	run(t, repo, "add", ".")
	run(t, repo, "commit", "-q", "-m", "first")
	first := run(t, repo, "rev-parse", "HEAD")
	// The work tree moves on, with uncommitted edits on top.
	write(t, filepath.Join(rules, "a.yaml"), "new a\n")
	write(t, filepath.Join(rules, "c.yaml"), "new c\n")
	run(t, repo, "add", ".")
	run(t, repo, "commit", "-q", "-m", "second")
	write(t, filepath.Join(rules, "a.yaml"), "edited a\n")
	status := run(t, repo, "status", "--porcelain")

	tree, err := Checkout(context.Background(), rules, "HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Remove()
	if tree.Commit != first {
		t.Errorf("commit %s, want %s", tree.Commit, first)
	}
	got := map[string]string{}
	filepath.WalkDir(tree.Dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(tree.Dir, p)
			got[filepath.ToSlash(rel)] = string(data)
		}
		return err
	})
	want := map[string]string{"a.yaml": "old a\n", "sub/b.yaml": "old b\n"}
	if len(got) != len(want) || got["a.yaml"] != want["a.yaml"] || got["sub/b.yaml"] != want["sub/b.yaml"] {
		t.Errorf("files %q, want %q", got, want)
	}
	if data, _ := os.ReadFile(filepath.Join(rules, "a.yaml")); string(data) != "edited a\n" {
		t.Errorf("work tree changed: a.yaml is %q", data)
	}
	if s := run(t, repo, "status", "--porcelain"); s != status {
		t.Errorf("git status changed:\n%s\nwas:\n%s", s, status)
	}

	for _, tc := range []struct{ dir, rev, err string }{
		{rules, "no-such-branch", "not a commit"},
		{rules, "--output=/tmp/x", "must not start with -"},
		{filepath.Join(rules, "sub"), "HEAD~1", ""},
		{t.TempDir(), "HEAD", "not in a git work tree"},
	} {
		tr, err := Checkout(context.Background(), tc.dir, tc.rev)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s at %s: %v", tc.dir, tc.rev, err)
			} else {
				tr.Remove()
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s at %s: error %v, want %q", tc.dir, tc.rev, err, tc.err)
		}
	}
	// A directory that did not exist at the revision.
	write(t, filepath.Join(repo, "later", "x.yaml"), "x\n")
	run(t, repo, "add", ".")
	run(t, repo, "commit", "-q", "-m", "third")
	if _, err := Checkout(context.Background(), filepath.Join(repo, "later"), "HEAD~1"); err == nil || !strings.Contains(err.Error(), "did not exist") {
		t.Errorf("later at HEAD~1: %v", err)
	}
}
