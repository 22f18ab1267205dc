package docs_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "ruled"), "./cmd/ruled")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ruled: %v\n%s", err, out)
	}
	addr := serveDemo(t, root, filepath.Join(bin, "ruled"))

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

// serveDemo starts ruled serve on the demo store and returns its address.
func serveDemo(t *testing.T, root, ruled string) string {
	t.Helper()
	cmd := exec.Command(ruled, "serve", "--rules", "testdata/demo", "--addr", "127.0.0.1:0", "--log-format", "json", "--watch", "off")
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
