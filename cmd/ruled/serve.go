package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ruled/ruled/cmd/ruled/internal/server"
	"github.com/ruled/ruled/corpus"
	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

type serveCmd struct {
	Addr              string        `help:"Address to listen on (${default})." default:"127.0.0.1:8080" env:"RULED_ADDR" placeholder:"HOST:PORT"`
	MembershipHeader  string        `help:"Request header carrying the shopper's segment membership (${default})." default:"aep-segments-membership" env:"RULED_MEMBERSHIP_HEADER" placeholder:"NAME"`
	MembershipCookie  string        `help:"Cookie carrying the membership when the header is not sent (${default})." default:"aep-segments-membership" env:"RULED_MEMBERSHIP_COOKIE" placeholder:"NAME"`
	MaxBody           int64         `help:"Largest request body, in bytes (${default}: 1 MiB)." default:"1048576" placeholder:"BYTES"`
	MaxItems          int           `help:"Most lines in one cart (${default})." default:"1000" placeholder:"N"`
	MaxSegments       int           `help:"Most segment ids in one request, membership and body together (${default})." default:"1000" placeholder:"N"`
	AdminAddr         string        `help:"Serve reload, status, metrics, the listings and the dashboard only on this address; the main one then serves decisions and health only (default: everything on --addr)." env:"RULED_ADMIN_ADDR" placeholder:"HOST:PORT"`
	AdminTokenFile    string        `help:"File holding a bearer token the admin address requires (with --admin-addr)." env:"RULED_ADMIN_TOKEN_FILE" placeholder:"FILE" type:"path"`
	ReadHeaderTimeout time.Duration `help:"Longest time to read a request's headers." default:"5s"`
	LogFormat         string        `help:"Log format: text or json." enum:"text,json" default:"text" env:"RULED_LOG_FORMAT"`
	LogLevel          string        `help:"Least level logged: debug, info, warn or error." enum:"debug,info,warn,error" default:"info" env:"RULED_LOG_LEVEL"`
	LogBuffer         time.Duration `name:"log-buffer" help:"Hold access log lines up to this long and write them together, one write per batch instead of one per request; every other line is written at once; 0 writes every line as it comes (${default})." default:"100ms" placeholder:"DELAY" env:"RULED_LOG_BUFFER"`
	Watch             string        `help:"How changed rule files are noticed: fsnotify (plus the periodic rescan), poll (the rescan alone, for NFS and the like) or off (SIGHUP and POST /v1/reload only)." enum:"fsnotify,poll,off" default:"fsnotify" env:"RULED_WATCH"`
	Rescan            time.Duration `help:"Interval of the periodic full rescan; the poll interval with --watch=poll." default:"1m"`
	Debounce          time.Duration `help:"Quiet time after a change before reloading." default:"250ms"`
	DebounceMax       time.Duration `help:"Longest wait for quiet before reloading anyway." default:"2s"`
	ReadTimeout       time.Duration `help:"Longest time to read a request." default:"15s"`
	WriteTimeout      time.Duration `help:"Longest time to write a response." default:"30s"`
	IdleTimeout       time.Duration `help:"Longest time a keep-alive connection waits for its next request." default:"2m"`
	ShutdownTimeout   time.Duration `help:"Longest wait for in-flight requests on SIGINT or SIGTERM." default:"15s"`

	GraphQLMaxEvaluations int64         `name:"graphql-max-evaluations" help:"Most evaluateCart and dynamicBlocks fields in one GraphQL request, aliases included (${default})." default:"10" placeholder:"N"`
	GraphQLMaxFields      int64         `name:"graphql-max-fields" help:"Most fields one GraphQL request resolves, list entries included (${default})." default:"50000" placeholder:"N"`
	GraphQLMaxDepth       int           `name:"graphql-max-depth" help:"Deepest field nesting of a GraphQL query (${default}; the standard introspection query needs 13)." default:"15" placeholder:"N"`
	GraphQLTimeout        time.Duration `name:"graphql-timeout" help:"Longest time of one GraphQL request; no field starts after it (${default})." default:"10s"`
	Record                string        `help:"Record the carts priced into this directory, as a corpus for ruled diff (gzip NDJSON, ids hashed)." placeholder:"DIR" env:"RULED_RECORD"`
	Sample                float64       `help:"Share of carts recorded, in (0, 1]." default:"1"`
	RecordMaxSize         int64         `help:"Bytes of carts (before compression) in one recorded file before the next starts." default:"67108864" placeholder:"BYTES"`
	RecordMaxAge          time.Duration `help:"Longest time one recorded file stays open." default:"1h"`
	RecordQueue           int           `help:"Carts waiting to be written at most; beyond, samples are dropped and counted." default:"4096"`
	RuleSeries            int           `help:"Most rules with a series of their own in ruled_rule_applications_total; the others count under rule=\"_other\" (${default})." default:"500" placeholder:"N"`

	Trust trustFlags `embed:"" group:"Signed membership"`

	PullAudiences time.Duration `help:"Pull the audiences of Experience Platform into audiences.yaml this often, as 'ruled audiences pull' does (0: never); the file change reloads the rules. Connection: the --aep-* flags, RULED_AEP_* and RULED_AEP_CLIENT_SECRET." placeholder:"EVERY"`
	AEP           platformFlags `embed:"" prefix:"aep-" group:"Experience Platform (with --pull-audiences)"`

	storeFlag          `embed:""`
	ReloadMemory       float64 `name:"reload-memory" help:"During a reload, keep the process within this many times its size at rest (the runtime's soft memory limit, lifted after the swap); 0 turns it off, and GOMEMLIMIT set in the environment wins (${default})." default:"1.4" placeholder:"FACTOR" env:"RULED_RELOAD_MEMORY"`
	ServeMemory        float64 `name:"serve-memory" help:"Between reloads, keep the process within this many times its size at rest (the runtime's soft memory limit: heavy traffic makes the collector run more often instead of growing the heap); 0 leaves the collector's default pacing, and GOMEMLIMIT set in the environment wins (${default})." default:"1.5" placeholder:"FACTOR" env:"RULED_SERVE_MEMORY"`
	OnStoreUnavailable string  `name:"on-store-unavailable" help:"When the usage store cannot answer, evaluations skip the rules with limits, budgets or generated codes (skip, explained) or answer 503 store_unavailable (fail-closed). Orders answer 503 either way." enum:"skip,fail-closed" default:"skip" env:"RULED_ON_STORE_UNAVAILABLE"`
}

func (c *serveCmd) run(e *env) int {
	out := e.stderr
	if c.LogBuffer > 0 {
		b := newLogBuffer(e.stderr, c.LogBuffer)
		defer b.Flush()
		out = b
	}
	log := c.logger(out)
	dir := e.rules
	// The first build takes every core; reloads then parse and compile
	// only what changed, on half of them, so that requests keep the rest.
	p := &pipeline{dir: dir}
	var keyFile atomic.Pointer[string] // of the last build: the watch follows it
	room := newHeadroom(c.ReloadMemory)
	room.steady = c.ServeMemory
	opt := server.Options{
		Compile: func() (*server.Build, error) {
			room.tighten()
			b, err := p.run()
			if err != nil {
				return nil, err
			}
			if b.Program == nil {
				return b.serverBuild(), nil
			}
			p.compiler.SetWorkers(max(1, runtime.GOMAXPROCS(0)/2))
			sb := b.serverBuild()
			tr, err := c.Trust.trust(dir, b.Program.Set().Config)
			keyFile.Store(&tr.KeyFile)
			sb.Keys = tr.Keys
			if err != nil {
				// Keys that cannot be read or used leave the rules and the
				// keys in service as they are, as a broken rule file does:
				// the problem is a diagnostic of the reload.
				var te *trustError
				if !errors.As(err, &te) {
					return nil, err
				}
				sb.Program = nil
				sb.Diagnostics = diag.Merge(sb.Diagnostics, diag.List{{Pos: te.Pos, Severity: diag.Error, Code: server.CodeMembershipKeys,
					Message: te.Msg + "; the membership keys in service stay as they are"}})
				return sb, nil
			}
			if tr.Trust.UntrustedBody && tr.Trust.Verifier == nil {
				log.Warn("trust_body is false but membership is not signed: the membership header or cookie is still believed as sent; set membership.signing")
			}
			sb.Trust = tr.Trust
			return sb, nil
		},
		RulesDir:         dir,
		Logger:           log,
		MembershipHeader: c.MembershipHeader,
		MembershipCookie: c.MembershipCookie,
		MaxBodyBytes:     c.MaxBody,
		MaxItems:         c.MaxItems,
		MaxSegments:      c.MaxSegments,
		GraphQL: server.GraphQLLimits{
			MaxDepth: c.GraphQLMaxDepth, MaxFields: c.GraphQLMaxFields,
			MaxEvaluations: c.GraphQLMaxEvaluations, Timeout: c.GraphQLTimeout,
		},
		MaxRuleSeries:      c.RuleSeries,
		OnStoreUnavailable: c.OnStoreUnavailable,
		AfterReload:        room.release,
	}
	if c.Record != "" {
		rec, err := c.recorder(log)
		if err != nil {
			log.Error("cannot record", "dir", c.Record, "error", err)
			return exitCantRun
		}
		defer func() {
			err := rec.Close()
			st := rec.Stats()
			log.Info("recording stopped", "dir", c.Record, "offered", st.Offered, "sampled", st.Sampled,
				"written", st.Written, "dropped", st.Dropped, "failed", st.Failed, "files", st.Files, "error", err)
		}()
		go reportDrops(e.ctx, rec, log)
		opt.Record = func(cart *engine.Cart, o engine.Options) {
			rec.Record(corpus.Sample{Cart: cart, Now: o.Now, Placements: o.Placements, VisitorID: o.VisitorID, View: o.View})
		}
	}
	if c.explicit() {
		st, err := c.open(e.ctx, dir)
		if err != nil {
			log.Error("cannot open the usage store", "error", err)
			return exitCantRun
		}
		if st != nil {
			defer st.Close()
			opt.Store = st
		}
	}
	srv := server.New(opt)
	g, err := srv.Reload(server.TriggerStart)
	if err != nil {
		// Reload logged every diagnostic.
		var rerr *server.ReloadError
		if errors.As(err, &rerr) && rerr.Err == nil {
			return exitWrong
		}
		return exitCantRun
	}

	if !c.explicit() && needsStore(g.Program.Set()) {
		// The embedded default, opened only for rules that count.
		st, err := c.open(e.ctx, dir)
		if err != nil {
			log.Warn("no usage store: orders are refused and rules with limits are skipped", "error", err)
		} else {
			defer st.Close()
			srv.SetStore(st)
		}
	}

	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	watched := c.watch(ctx, dir, srv, log, func() []string {
		if f := keyFile.Load(); f != nil && *f != "" {
			return []string{*f}
		}
		return nil
	})

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-hup:
				log.Info("SIGHUP: reloading")
				_, _ = srv.Reload(server.TriggerSignal)
			case <-ctx.Done():
				return
			}
		}
	}()

	pulled := c.pullEvery(ctx, dir, srv, log)

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		log.Error("cannot listen", "addr", c.Addr, "error", err)
		return exitCantRun
	}
	timeouts := server.Timeouts{
		ReadHeader: c.ReadHeaderTimeout, Read: c.ReadTimeout, Write: c.WriteTimeout, Idle: c.IdleTimeout, Shutdown: c.ShutdownTimeout,
	}
	log.Info("serving", "addr", ln.Addr().String(), "rules", dir, "version", g.Version, "summary", g.Program.Summary(), "watch", c.Watch)
	err = c.serve(ctx, srv, ln, timeouts, log)
	cancel()
	if pulled != nil {
		<-pulled
	}
	if watched != nil {
		select {
		case <-watched:
		case <-time.After(5 * time.Second):
			log.Warn("the file watch did not stop within 5s")
		}
	}
	switch {
	case err != nil && e.ctx.Err() == nil:
		log.Error("stopped", "error", err)
		return exitCantRun
	case err != nil:
		// Asked to stop, and stopped, if not as gently as hoped.
		log.Warn("stopped", "error", err)
		return exitOK
	}
	log.Info("stopped")
	return exitOK
}

// serve answers on ln, and on --admin-addr when set, until ctx is done.
func (c *serveCmd) serve(ctx context.Context, srv *server.Server, ln net.Listener, t server.Timeouts, log *slog.Logger) error {
	if c.AdminAddr == "" {
		log.Warn("no --admin-addr: reload, status, metrics, the rule listings and the dashboard are served on the main address to whoever reaches it")
		return srv.Serve(ctx, ln, t)
	}
	token := ""
	if c.AdminTokenFile != "" {
		data, err := os.ReadFile(c.AdminTokenFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--admin-token-file: %w", err)
		}
		if token = strings.TrimSpace(string(data)); len(token) < 16 {
			ln.Close()
			return fmt.Errorf("--admin-token-file %s: the token is %d characters: want at least 16", c.AdminTokenFile, len(token))
		}
	}
	admin, err := net.Listen("tcp", c.AdminAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("admin address: %w", err)
	}
	log.Info("serving operators", "admin_addr", admin.Addr().String(), "token", token != "")
	return srv.ServeSplit(ctx, ln, admin, token, t)
}

// recorder starts recording as the --record flags say.
func (c *serveCmd) recorder(log *slog.Logger) (*corpus.Recorder, error) {
	if c.Sample <= 0 || c.Sample > 1 {
		return nil, fmt.Errorf("--sample %v: want a share in (0, 1], such as 0.1 for one cart in ten", c.Sample)
	}
	rec, err := corpus.NewRecorder(corpus.RecorderOptions{
		WriterOptions: corpus.WriterOptions{Dir: c.Record, MaxBytes: c.RecordMaxSize, MaxAge: c.RecordMaxAge},
		Rate:          c.Sample,
		Queue:         c.RecordQueue,
		OnError:       func(err error) { log.Warn("recording a cart", "error", err) },
	})
	if err != nil {
		return nil, err
	}
	log.Info("recording carts", "dir", c.Record, "sample", c.Sample, "queue", c.RecordQueue)
	return rec, nil
}

// reportDrops warns, at most once a minute, when the recorder dropped
// samples since the last look: its queue was full, so the recording
// under-represents the busiest moments.
func reportDrops(ctx context.Context, rec *corpus.Recorder, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	var seen uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if st := rec.Stats(); st.Dropped > seen {
				log.Warn("recording dropped samples: the queue was full", "dropped", st.Dropped-seen, "dropped_total", st.Dropped, "written", st.Written)
				seen = st.Dropped
			}
		}
	}
}

// watch starts reloading on changes, as --watch says, and returns a channel
// closed when the watch has stopped (nil with --watch=off). A watch that
// cannot use file notifications falls back to polling.
//
// files names the files outside dir that count as rule files (the
// membership key set): it is asked again after every reload, and their
// directories are watched too.
func (c *serveCmd) watch(ctx context.Context, dir string, srv *server.Server, log *slog.Logger, files func() []string) <-chan struct{} {
	if c.Watch == "off" {
		return nil
	}
	opt := loader.WatchOptions{
		Quiet: c.Debounce, MaxWait: c.DebounceMax, Rescan: c.Rescan, Poll: c.Watch == "poll", Files: files,
		OnError: func(err error) { log.Warn("watching the rules", "error", err) },
	}
	// The watch says the files may have changed; the reload reads them
	// and changes nothing when their version is the one last read.
	onChange := func() { _, _ = srv.Reload(server.TriggerWatch) }
	done, err := loader.Watch(ctx, dir, opt, onChange)
	if err != nil && !opt.Poll {
		log.Warn("file notifications unavailable: polling instead", "error", err, "interval", opt.Rescan.String())
		opt.Poll = true
		done, err = loader.Watch(ctx, dir, opt, onChange)
	}
	if err != nil {
		log.Error("cannot watch the rules: reload with SIGHUP or POST /v1/reload", "error", err)
		return nil
	}
	// The rule set in service was read before the watch began: anything
	// that changed in between is reloaded now (reading the files is all
	// this costs when nothing did).
	onChange()
	return done
}

// pullEvery pulls the audience registry every --pull-audiences until ctx
// ends, and returns a channel closed when it has stopped (nil when it does
// not pull). A pull writes audiences.yaml only when the rules load with the
// result; the watch then reloads it like any edit (with --watch=off the
// pull reloads itself). A failed pull is logged and the registry kept.
func (c *serveCmd) pullEvery(ctx context.Context, dir string, srv *server.Server, log *slog.Logger) <-chan struct{} {
	if c.PullAudiences <= 0 {
		return nil
	}
	client, err := c.AEP.client()
	if err != nil {
		log.Error("cannot pull audiences: the registry stays as it is", "error", err.Error())
		return nil
	}
	file := filepath.Join(dir, "audiences.yaml")
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.PullAudiences)
		defer t.Stop()
		for {
			pctx, cancel := context.WithTimeout(ctx, c.AEP.Timeout)
			res, diags, err := pullAudiences(pctx, client, c.AEP.Dataflow, dir, file, false, time.Now().UTC().Truncate(time.Second))
			cancel()
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				log.Error("audience pull failed: the registry stays as it is", "error", err.Error(), "diagnostics", len(diags))
				for _, d := range diags {
					log.Error("rule diagnostic", "diagnostic", d.Error(), "code", d.Code)
				}
			case res.Written:
				ch := res.Changes
				log.Info("audiences pulled", "file", file, "audiences", res.Audiences, "added", ch.Added, "renamed", len(ch.Renamed),
					"updated", len(ch.Updated), "removed", ch.Removed, "kept_removed", ch.Kept)
				if c.Watch == "off" {
					_, _ = srv.Reload(server.TriggerPull)
				}
			default:
				log.Debug("audiences pulled: no change", "file", file)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return done
}

func (c *serveCmd) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	if b, ok := w.(*logBuffer); ok {
		h = batchAccess{h, b}
	}
	return slog.New(h)
}
