package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ruled/ruled/corpus"
)

const whatifData = "../../whatif/testdata"

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is required in CI")
		}
		t.Skip("git not installed")
	}
}

func gitIn(t *testing.T, dir string, args ...string) string {
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

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(to, e.Name()), string(data))
	}
}

// TestDiffGitBase is the review workflow: the rules are committed, a
// change is made in the work tree, and `ruled diff --base HEAD` compares
// them without touching the work tree; exit 1 says something changed.
func TestDiffGitBase(t *testing.T) {
	needGit(t)
	repo := t.TempDir()
	rulesDir := filepath.Join(repo, "rules")
	copyDir(t, filepath.Join(whatifData, "base"), rulesDir)
	gitIn(t, repo, "init", "-q", "-b", "main")
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-q", "-m", "rules")
	carts := filepath.Join(whatifData, "carts.ndjson")

	code, out, errs := runCLI(t, "", "diff", "--rules", rulesDir, "--base", "HEAD", "--corpus", carts, "--at", "2026-11-27")
	if code != exitOK {
		t.Fatalf("unchanged rules: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.HasPrefix(out, "no change in 10 carts\n") {
		t.Errorf("stdout:\n%s", out)
	}

	rulesFile := filepath.Join(rulesDir, "rules.yaml")
	data, _ := os.ReadFile(rulesFile)
	changed := strings.Replace(string(data), "      amount: 10\n", "      amount: 15\n", 1)
	writeFile(t, rulesFile, changed)
	status := gitIn(t, repo, "status", "--porcelain")

	code, out, errs = runCLI(t, "", "diff", "--rules", rulesDir, "--base", "HEAD", "--corpus", carts, "--at", "2026-11-27", "--format", "md")
	if code != exitWrong {
		t.Fatalf("changed rules: exit %d, want 1\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{
		"### ruled diff: 3 of 10 carts change",
		"Base `HEAD (" + gitIn(t, repo, "rev-parse", "--short=12", "HEAD") + ")`",
		"| `ten-off-shoes` 10% off shoes | 0 | 0 | 3 | CAD 12.00 → 18.00 (+6.00); USD 25.00 → 37.50 (+12.50) |",
		"every cart at 2026-11-27T00:00:00Z", // the rules keep UTC
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "ruled diff: 10 carts in") {
		t.Errorf("stderr: %s", errs)
	}
	if data, _ := os.ReadFile(rulesFile); string(data) != changed {
		t.Error("the work tree's rule file changed")
	}
	if s := gitIn(t, repo, "status", "--porcelain"); s != status {
		t.Errorf("git status changed:\n%s\nwas:\n%s", s, status)
	}

	code, out, _ = runCLI(t, "", "diff", "--rules", rulesDir, "--base", "HEAD", "--corpus", carts, "--at", "2026-11-27", "--format", "json")
	var rep struct {
		Changed int `json:"changed"`
		Rules   []struct {
			ID string `json:"id"`
		} `json:"rules"`
	}
	if code != exitWrong || json.Unmarshal([]byte(out), &rep) != nil || rep.Changed != 3 || len(rep.Rules) != 1 {
		t.Errorf("json: exit %d, %+v\n%s", code, rep, out)
	}
}

func TestDiffErrors(t *testing.T) {
	needGit(t)
	base := filepath.Join(whatifData, "base")
	carts := filepath.Join(whatifData, "carts.ndjson")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no such corpus", []string{"diff", "--rules", base, "--base", base, "--corpus", "testdata/none.ndjson"}, "no such file"},
		{"no such revision", []string{"diff", "--rules", base, "--base", "no-such-branch", "--corpus", carts}, "--base no-such-branch is not a directory, and as a git revision: git revision no-such-branch: not a commit"},
		{"rules with errors", []string{"diff", "--rules", "testdata/broken", "--base", base, "--corpus", carts}, "the rules of testdata/broken have errors"},
		{"bad instant", []string{"diff", "--rules", base, "--base", base, "--corpus", carts, "--at", "tomorrow"}, `--at: "tomorrow" is not an RFC 3339 time`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, "", tc.args...)
			if code != exitCantRun || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 and %q", code, errs, tc.want)
			}
		})
	}
}

// TestServeRecordThenDiff records what `ruled serve --record` priced, checks
// that no customer id reached the files, and diffs the recording.
func TestServeRecordThenDiff(t *testing.T) {
	rec := t.TempDir()
	s := serve(t, "--rules", "../../testdata/demo", "--watch", "off", "--record", rec, "--sample", "1")
	c := &http.Client{Timeout: 10 * time.Second}
	cart, err := os.ReadFile("../../testdata/demo/carts/vip-shoes.json")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if code, _, err := getJSON(t, c, http.MethodPost, s.url+"/v1/cart/evaluate", string(cart), "aep-segments-membership", vipSegment); err != nil || code != 200 {
			t.Fatalf("evaluate: %d %v", code, err)
		}
	}
	if code := s.stop(); code != exitOK {
		t.Fatalf("serve exit %d\n%s", code, s.log)
	}
	if !strings.Contains(s.log.String(), `"written":5`) {
		t.Errorf("log lacks the recording's counts:\n%s", s.log)
	}
	files, err := corpus.Files(rec)
	if err != nil || len(files) != 1 {
		t.Fatalf("recorded files %v %v", files, err)
	}
	var lines []string
	err = corpus.Scan(rec, func(e *corpus.Entry, err error) error {
		if err != nil {
			return err
		}
		lines = append(lines, string(e.Cart))
		return nil
	})
	if err != nil || len(lines) != 5 {
		t.Fatalf("%d lines, %v", len(lines), err)
	}
	for _, secret := range []string{`"200318"`, `"98103"`} { // the cart's customer id and postcode
		if strings.Contains(lines[0], secret) {
			t.Errorf("%s recorded: %s", secret, lines[0])
		}
	}
	code, out, errs := runCLI(t, "", "diff", "--rules", "../../testdata/demo", "--base", "../../testdata/demo", "--corpus", rec)
	if code != exitOK || !strings.HasPrefix(out, "no change in 5 carts") {
		t.Errorf("diff of the recording against itself: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestCorpusImportAndStats(t *testing.T) {
	out := filepath.Join(t.TempDir(), "carts.ndjson.gz")
	args := append([]string{"corpus", "import", "-o", out}, mustGlob(t, "../../testdata/demo/carts/*.json")...)
	code, _, errs := runCLI(t, "", args...)
	if code != exitOK || !strings.Contains(errs, "17 carts written") {
		t.Fatalf("import: exit %d\n%s", code, errs)
	}
	code, stats, errs := runCLI(t, "", "corpus", "stats", out)
	if code != exitOK || !strings.HasPrefix(stats, "17 carts in 1 file\n") || !strings.Contains(stats, "currencies: CAD 1 USD 16") {
		t.Errorf("stats: exit %d\n%s%s", code, stats, errs)
	}
	code, _, errs = runCLI(t, "[1]", "corpus", "import", "-o", filepath.Join(t.TempDir(), "x.ndjson"), "-")
	if code != exitWrong || !strings.Contains(errs, "stdin: value 1[0]: want a cart, an order or an array of them, got a number") {
		t.Errorf("import of a number: exit %d\n%s", code, errs)
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) == 0 {
		t.Fatalf("%s: %v", pattern, err)
	}
	return m
}
