package docs_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRunnableBlocks runs every shell block of the guides marked
// runnable (```sh runnable) against the demo store: a ruled binary built
// from this checkout serves testdata/demo on a free loopback port, and each
// block runs in bash (-euo pipefail) from the repository's root with
// $RULED set to the server's address and ruled on the PATH. A block fails
// the test when it exits non-zero, so the commands the guides show keep
// working.
func TestRunnableBlocks(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is needed to run the guides' shell blocks", tool)
			}
			t.Skipf("%s is not installed: the guides' shell blocks are not run", tool)
		}
	}
	guides, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	type runnable struct {
		where string
		text  string
	}
	var all []runnable
	for _, g := range guides {
		for _, b := range blocks(t, g) {
			if (b.lang == "sh" || b.lang == "bash") && b.words["runnable"] {
				all = append(all, runnable{where: fmt.Sprintf("%s:%d", g, b.line), text: b.text})
			}
		}
	}
	if len(all) < 10 {
		t.Fatalf("the guides have %d runnable shell blocks; expected at least 10 (are they still marked ```sh runnable?)", len(all))
	}

	root, bin, addr := startDemo(t)

	for _, r := range all {
		t.Run(r.where, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", r.text)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "RULED=http://"+addr, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("%s: the block failed: %v\n--- block\n%s--- output\n%s", r.where, err, r.text, out)
			}
		})
	}
}

// TestRunnableJS runs every JavaScript block of the guides marked runnable
// (```js runnable) with node, as an ES module, against the demo store
// served as for the shell blocks (its address in process.env.RULED), and
// compares what it prints with the ```text output block that follows it.
// The examples use node's own fetch (node 18 or later) and no package. In
// CI (CI=true) a missing or older node is a failure, elsewhere a skip.
func TestRunnableJS(t *testing.T) {
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format+" (a failure when CI=true)", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed: the guides' JavaScript blocks are not run")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v", err)
	}
	if major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), "."); atoi(major) < 18 {
		missing("node %s has no fetch: the guides' JavaScript blocks need node 18 or later", strings.TrimSpace(string(out)))
	}
	guides, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	type example struct {
		where, code, want string
	}
	var all []example
	for _, g := range guides {
		bs := blocks(t, g)
		for i, b := range bs {
			if (b.lang != "js" && b.lang != "javascript") || !b.words["runnable"] {
				continue
			}
			if i+1 == len(bs) || !bs[i+1].words["output"] {
				t.Fatalf("%s:%d: a runnable JavaScript block must be followed by a ```text output block with what it prints", g, b.line)
			}
			all = append(all, example{where: fmt.Sprintf("%s:%d", g, b.line), code: b.text, want: bs[i+1].text})
		}
	}
	if len(all) == 0 {
		t.Fatal("the guides have no runnable JavaScript block (is docs/storefront.md's still marked ```js runnable?)")
	}

	root, _, addr := startDemo(t)
	for _, x := range all {
		t.Run(x.where, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "example.mjs") // .mjs: top-level await
			if err := os.WriteFile(file, []byte(x.code), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, file)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "RULED=http://"+addr, "NO_COLOR=1")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: node failed: %v\n%s%s", x.where, err, stdout.String(), stderr.String())
			}
			if got := stdout.String(); got != x.want {
				t.Errorf("%s prints\n%s--- but the guide says\n%s", x.where, got, x.want)
			}
		})
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// startDemo builds ruled from this checkout into a temporary folder and
// serves the demo store with it; it returns the repository's root, the
// folder of the binary and the server's address.
func startDemo(t *testing.T) (root, bin, addr string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin = t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "ruled"), "./cmd/ruled")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ruled: %v\n%s", err, out)
	}
	return root, bin, serveDemo(t, root, filepath.Join(bin, "ruled"))
}

// serveDemo starts ruled serve on the demo store, with a fresh SQLite
// usage store, and returns its address.
func serveDemo(t *testing.T, root, ruled string) string {
	t.Helper()
	// A usage store of its own, so that the orders of the guides start
	// afresh and nothing is written into the repository.
	st := "sqlite:" + filepath.Join(t.TempDir(), "usage.db")
	cmd := exec.Command(ruled, "serve", "--rules", "testdata/demo", "--addr", "127.0.0.1:0", "--log-format", "json", "--watch", "off", "--store", st)
	cmd.Dir = root
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" && line.Addr != "" {
				found <- line.Addr
				sent = true
			}
		}
	}()
	select {
	case addr := <-found:
		return addr
	case <-time.After(30 * time.Second):
		t.Fatal("ruled serve did not log its address within 30s")
	}
	return ""
}
