package server

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGraphQLJS drives the GraphQL endpoint with graphql-js, the reference
// implementation that GraphiQL, Apollo and graphql-codegen build on:
// testdata/graphqljs/client.test.mjs, run by node against a server on
// 127.0.0.1. It needs node and the npm packages of that directory (npm ci
// installs them when missing); in CI (CI=true) their absence is a failure,
// elsewhere a skip.
func TestGraphQLJS(t *testing.T) {
	if testing.Short() {
		t.Skip("drives node; skipped with -short")
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "graphqljs"))
	if err != nil {
		t.Fatal(err)
	}
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format+" (a failure when CI=true)", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed: install Node.js to run the graphql-js client tests")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			missing("npm is not installed, and %s has no node_modules", dir)
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			missing("npm ci in %s: %v\n%s", dir, err, out)
		}
	}

	var logs syncBuffer
	s, ts := start(t, Options{GraphQL: GraphQLLimits{MaxEvaluations: 4, MaxFields: 5000, Timeout: time.Minute}, Logger: newLogger(&logs)})
	lj, _ := json.Marshal(s.opt.GraphQL)
	sdl, _ := filepath.Abs("schema.graphql")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test-reporter=spec", "client.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RULED_URL="+ts.URL+"/graphql", "RULED_SDL="+sdl, "RULED_LIMITS="+string(lj), "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("node client.test.mjs:\n%s", out.String())
	if err != nil {
		t.Fatalf("the graphql-js client tests failed: %v", err)
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the server logged a panic:\n%s", logs.String())
	}
}
