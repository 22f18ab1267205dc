package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// server is `ruled serve` running on a copy of the demo store.
type server struct {
	URL   string // http://127.0.0.1:PORT
	Rules string // the rules directory it serves, writable
	mu    sync.Mutex
	log   bytes.Buffer
}

// Log returns what the server logged so far.
func (s *server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// startServer builds ruled, copies testdata/demo and serves it on a free
// port until the test ends.
func startServer(t *testing.T) *server {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "ruled")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ruled")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ruled: %v\n%s", err, out)
	}
	s := &server{Rules: filepath.Join(tmp, "demo")}
	copyDir(t, filepath.Join(root, "testdata", "demo"), s.Rules)

	ctx, cancel := context.WithCancel(context.Background())
	// Served from its parent folder, as `--rules demo`, so that pages and
	// screenshots show paths an author would see.
	cmd := exec.CommandContext(ctx, bin, "serve", "--rules", "demo", "--addr", "127.0.0.1:0",
		"--log-format", "json", "--debounce", "50ms", "--debounce-max", "500ms")
	cmd.Dir = tmp
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			s.mu.Lock()
			s.log.Write(line)
			s.log.WriteByte('\n')
			s.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "serving" {
				addr <- rec.Addr
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		<-done
		if t.Failed() {
			t.Logf("ruled serve logged:\n%s", s.Log())
		}
	})
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case <-done:
		t.Fatalf("ruled serve stopped before serving:\n%s", s.Log())
	case <-time.After(30 * time.Second):
		t.Fatalf("ruled serve did not start in 30s:\n%s", s.Log())
	}
	return s
}

// evaluate prices a cart through the REST API, as the playground does.
func (s *server) evaluate(t *testing.T, body []byte) map[string]any {
	t.Helper()
	resp, err := http.Post(s.URL+"/v1/cart/evaluate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/cart/evaluate: %s, %v", resp.Status, err)
	}
	return out
}

// graphql posts a GraphQL request with a membership header and returns
// evaluateCart's grand total.
func (s *server) graphql(t *testing.T, body, membership string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("aep-segments-membership", membership)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			EvaluateCart struct {
				Totals struct{ GrandTotal string }
			}
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("POST /graphql: %s, %v %+v\n%s", resp.Status, err, out.Errors, body)
	}
	return out.Data.EvaluateCart.Totals.GrandTotal
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", from, err)
	}
}

// chromium finds the browser: RULED_CHROMIUM, else the usual names. Without
// one the test fails in CI and is skipped elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RULED_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (install Debian's chromium package, or set RULED_CHROMIUM)"
	if strings.EqualFold(os.Getenv("CI"), "true") {
		t.Fatal(msg)
	}
	t.Skip(msg + ": skipping the browser tests")
	return ""
}
