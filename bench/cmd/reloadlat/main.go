// Command reloadlat measures how long `ruled serve` takes to put a changed
// rule file live, idle and under load, and its resident memory.
//
// It writes a generated project (10,000 rules by default), starts the
// ruled binary it is given on it, and then, several times per phase,
// rewrites one rule file atomically (as editors and ConfigMaps do) with a
// probe rule that changes each time, and polls GET /v1/status until the
// generation in service changes. The time from the rename to that answer
// is the latency; it includes the watcher's debounce (--debounce, reported
// beside it). One evaluation then checks that the probe rule applies, so
// "live" means carts see the new rule. Under load, -clients goroutines
// POST the 20-line bench cart to /v1/cart/evaluate meanwhile.
//
// Memory is read from /proc/PID/status: VmRSS when ready, and VmHWM (peak
// resident) over each phase, reset before it through /proc/PID/clear_refs.
//
//	reloadlat -ruled /tmp/ruled -rules 10000 -changes 5 -clients 4
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ruled/ruled/bench/gen"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type config struct {
	ruled    string
	rules    int
	changes  int
	clients  int
	debounce time.Duration
	timeout  time.Duration
	dir      string
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reloadlat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.ruled, "ruled", "", "the ruled binary to run (required)")
	fs.IntVar(&c.rules, "rules", 10000, "cart rules in the generated project")
	fs.IntVar(&c.changes, "changes", 5, "file changes measured per phase")
	fs.IntVar(&c.clients, "clients", 4, "concurrent evaluate clients in the loaded phase")
	fs.DurationVar(&c.debounce, "debounce", 250*time.Millisecond, "ruled serve --debounce")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "longest wait for one change to go live")
	fs.StringVar(&c.dir, "dir", "", "directory for the project (default: a temporary one, removed after)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.ruled == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "reloadlat: -ruled is required and no arguments are taken")
		return 2
	}
	if err := measure(ctx, c, stdout); err != nil {
		fmt.Fprintln(stderr, "reloadlat:", err)
		return 1
	}
	return 0
}

func measure(ctx context.Context, c config, out io.Writer) error {
	if c.dir == "" {
		d, err := os.MkdirTemp("", "reloadlat-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	p := gen.New(gen.Options{Rules: c.rules})
	if err := p.Write(c.dir); err != nil {
		return err
	}
	body, err := gen.CartJSON(p.BenchCart())
	if err != nil {
		return err
	}

	start := time.Now()
	srv, err := startServer(ctx, c)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(out, "ruled serve: %d rules, ready in %v (load+compile+listen), --debounce %v\n",
		c.rules, time.Since(start).Round(time.Millisecond), c.debounce)
	ready, err := srv.mem()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "memory ready: VmRSS %s, VmHWM %s (peak so far, first load included)\n", mb(ready.rss), mb(ready.hwm))

	cl := &client{base: "http://" + srv.addr, http: &http.Client{Timeout: 5 * time.Minute}, body: body}
	if _, err := cl.evaluate(); err != nil {
		return err
	}
	seq := 0
	for _, phase := range []struct {
		name    string
		clients int
	}{{"idle", 0}, {fmt.Sprintf("under load (%d clients)", c.clients), c.clients}} {
		var stopLoad func() (int64, int64, time.Duration)
		if phase.clients > 0 {
			stopLoad = cl.load(phase.clients)
			time.Sleep(time.Second) // let the load settle
		}
		srv.resetPeak()
		var lat, compile []time.Duration
		timedOut := false
		for range c.changes {
			seq++
			l, comp, err := change(ctx, c, p, cl, seq)
			if errors.Is(err, errNotLive) {
				// A figure, not a failure: the change is still pending, so
				// the phase ends here.
				timedOut = true
				break
			}
			if err != nil {
				if stopLoad != nil {
					stopLoad()
				}
				return fmt.Errorf("%s, change %d: %w", phase.name, seq, err)
			}
			lat, compile = append(lat, l), append(compile, comp)
		}
		m, err := srv.mem()
		if err != nil {
			return err
		}
		switch {
		case len(lat) > 0:
			fmt.Fprintf(out, "%-24s change→live median %v (min %v, max %v; debounce included) over %d changes, server reload median %v; peak VmHWM %s (%.2f× ready)\n",
				phase.name, median(lat), slices.Min(lat).Round(time.Millisecond), slices.Max(lat).Round(time.Millisecond), len(lat), median(compile), mb(m.hwm), float64(m.hwm)/float64(ready.rss))
		}
		if timedOut {
			fmt.Fprintf(out, "%-24s change %d: not live within %v; peak VmHWM %s (%.2f× ready)\n", phase.name, seq, c.timeout, mb(m.hwm), float64(m.hwm)/float64(ready.rss))
		}
		if stopLoad != nil {
			n, bad, d := stopLoad()
			fmt.Fprintf(out, "%-24s %d evaluations in %v (%.1f/s), %d failed\n", "", n, d.Round(time.Millisecond), float64(n)/d.Seconds(), bad)
			if bad > 0 {
				return fmt.Errorf("%d evaluations failed under load", bad)
			}
		}
		if timedOut {
			fmt.Fprintln(out, "(a change is still pending: no further phase is measured)")
			return nil
		}
	}
	return nil
}

// change rewrites the first rule file with probe rule seq and waits until
// it is live; it returns the latency and the server's own reload time.
func change(ctx context.Context, c config, p *gen.Project, cl *client, seq int) (time.Duration, time.Duration, error) {
	before, err := cl.status()
	if err != nil {
		return 0, 0, err
	}
	name := gen.RuleFileName(0)
	rs := append(slices.Clone(p.Set.CartRules[:min(gen.RulesPerFile, len(p.Set.CartRules))]), probe(seq))
	data := gen.EncodeRules(name, rs)
	written := time.Now()
	if err := gen.WriteFile(filepath.Join(c.dir, name), data); err != nil {
		return 0, 0, err
	}
	deadline := written.Add(c.timeout)
	for {
		st, err := cl.status()
		if err != nil {
			return 0, 0, err
		}
		if st.Generation != before.Generation {
			lat := time.Since(written)
			if st.LastReload == nil || !st.LastReload.OK {
				return 0, 0, fmt.Errorf("the reload failed: %+v", st.LastReload)
			}
			applied, err := cl.evaluate()
			if err != nil {
				return 0, 0, err
			}
			if want := fmt.Sprintf("Reload probe %d", seq); !slices.Contains(applied, want) {
				return 0, 0, fmt.Errorf("generation %d is live but the cart does not get %q (applied: %v)", st.Generation, want, applied)
			}
			return lat, time.Duration(st.LastReload.DurationMS * float64(time.Millisecond)), nil
		}
		if time.Now().After(deadline) {
			return 0, 0, errNotLive
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// errNotLive is a change that was not live within -timeout.
var errNotLive = errors.New("not live in time")

// probe is a rule every bench cart gets first, named for the change.
func probe(seq int) rules.CartRule {
	name := fmt.Sprintf("Reload probe %d", seq)
	return rules.CartRule{ID: "000-reload-probe", Name: name, Label: name, Enabled: true,
		Action: rules.Action{Type: rules.CartFixed, Amount: money.New(int64(seq), -2)}}
}

type server struct {
	cmd  *exec.Cmd
	addr string
	done chan error
}

var servingRE = regexp.MustCompile(`"msg":"serving","addr":"([^"]+)"`)

func startServer(ctx context.Context, c config) (*server, error) {
	cmd := exec.CommandContext(ctx, c.ruled, "serve", "--rules", c.dir, "--addr", "127.0.0.1:0",
		"--log-format", "json", "--debounce", c.debounce.String())
	// The serving line is read from the log; warnings and errors other
	// than expired rules are copied to stderr.
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.ruled, err)
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := servingRE.FindStringSubmatch(line); m != nil {
				addr <- m[1]
				continue
			}
			if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
				if !strings.Contains(line, "can never apply again") {
					fmt.Fprintln(os.Stderr, line)
				}
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case s.addr = <-addr:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("ruled serve exited before serving: %v", err)
	case <-time.After(5 * time.Minute):
		s.stop()
		return nil, errors.New("ruled serve did not start in 5 minutes")
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

type memory struct{ rss, hwm int64 } // bytes

func (s *server) mem() (memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = kb << 10
		case "VmHWM:":
			m.hwm = kb << 10
		}
	}
	return m, nil
}

// resetPeak makes VmHWM start again from the current resident size.
func (s *server) resetPeak() {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0); err != nil {
		fmt.Fprintln(os.Stderr, "reloadlat: cannot reset the peak (VmHWM includes earlier phases):", err)
	}
}

type client struct {
	base string
	http *http.Client
	body []byte
}

type status struct {
	Generation uint64 `json:"generation"`
	LastReload *struct {
		OK         bool    `json:"ok"`
		DurationMS float64 `json:"duration_ms"`
	} `json:"last_reload"`
}

func (c *client) status() (status, error) {
	var st status
	resp, err := c.http.Get(c.base + "/v1/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("GET /v1/status: %s", resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// evaluate posts the bench cart and returns the names of the rules applied.
func (c *client) evaluate() ([]string, error) {
	resp, err := c.http.Post(c.base+"/v1/cart/evaluate", "application/json", bytes.NewReader(c.body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return nil, fmt.Errorf("POST /v1/cart/evaluate: %s: %s", resp.Status, msg)
	}
	var res struct {
		Applied []struct{ Name string } `json:"applied_rules"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, err
	}
	names := make([]string, len(res.Applied))
	for i, a := range res.Applied {
		names[i] = a.Name
	}
	return names, nil
}

// load runs n clients evaluating in a loop until the returned function is
// called; that returns the evaluations done, those that failed, and for
// how long.
func (c *client) load(n int) func() (int64, int64, time.Duration) {
	var done, bad atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.evaluate(); err != nil {
					bad.Add(1)
				} else {
					done.Add(1)
				}
			}
		})
	}
	return func() (int64, int64, time.Duration) {
		close(stop)
		wg.Wait()
		return done.Load(), bad.Load(), time.Since(start)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2].Round(time.Millisecond)
}

func mb(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }
