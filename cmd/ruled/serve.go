package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ruled/ruled/cmd/ruled/internal/server"
	"github.com/ruled/ruled/loader"
)

type serveCmd struct {
	Addr             string        `help:"Address to listen on (${default})." default:"127.0.0.1:8080" env:"RULED_ADDR" placeholder:"HOST:PORT"`
	MembershipHeader string        `help:"Request header carrying the shopper's segment membership (${default})." default:"aep-segments-membership" env:"RULED_MEMBERSHIP_HEADER" placeholder:"NAME"`
	MembershipCookie string        `help:"Cookie carrying the membership when the header is not sent (${default})." default:"aep-segments-membership" env:"RULED_MEMBERSHIP_COOKIE" placeholder:"NAME"`
	MaxBody          int64         `help:"Largest request body, in bytes (${default}: 1 MiB)." default:"1048576" placeholder:"BYTES"`
	LogFormat        string        `help:"Log format: text or json." enum:"text,json" default:"text" env:"RULED_LOG_FORMAT"`
	LogLevel         string        `help:"Least level logged: debug, info, warn or error." enum:"debug,info,warn,error" default:"info" env:"RULED_LOG_LEVEL"`
	Watch            string        `help:"How changed rule files are noticed: fsnotify (plus the periodic rescan), poll (the rescan alone, for NFS and the like) or off (SIGHUP and POST /v1/reload only)." enum:"fsnotify,poll,off" default:"fsnotify" env:"RULED_WATCH"`
	Rescan           time.Duration `help:"Interval of the periodic full rescan; the poll interval with --watch=poll." default:"1m"`
	Debounce         time.Duration `help:"Quiet time after a change before reloading." default:"250ms"`
	DebounceMax      time.Duration `help:"Longest wait for quiet before reloading anyway." default:"2s"`
	ReadTimeout      time.Duration `help:"Longest time to read a request." default:"15s"`
	WriteTimeout     time.Duration `help:"Longest time to write a response." default:"30s"`
	IdleTimeout      time.Duration `help:"Longest time a keep-alive connection waits for its next request." default:"2m"`
	ShutdownTimeout  time.Duration `help:"Longest wait for in-flight requests on SIGINT or SIGTERM." default:"15s"`
	RuleSeries       int           `help:"Most rules with a series of their own in ruled_rule_applications_total; the others count under rule=\"_other\" (${default})." default:"500" placeholder:"N"`
}

func (c *serveCmd) run(e *env) int {
	log := c.logger(e.stderr)
	dir := e.rules
	b := &builder{dir: dir}
	srv := server.New(server.Options{
		Compile:          b.build,
		RulesDir:         dir,
		Logger:           log,
		MembershipHeader: c.MembershipHeader,
		MembershipCookie: c.MembershipCookie,
		MaxBodyBytes:     c.MaxBody,
		MaxRuleSeries:    c.RuleSeries,
	})
	g, err := srv.Reload(server.TriggerStart)
	if err != nil {
		// Reload logged every diagnostic.
		var rerr *server.ReloadError
		if errors.As(err, &rerr) && rerr.Err == nil {
			return exitWrong
		}
		return exitCantRun
	}

	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	watched := c.watch(ctx, dir, srv, log)

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

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		log.Error("cannot listen", "addr", c.Addr, "error", err)
		return exitCantRun
	}
	log.Info("serving", "addr", ln.Addr().String(), "rules", dir, "version", g.Version, "summary", g.Program.Summary(), "watch", c.Watch)
	err = srv.Serve(ctx, ln, server.Timeouts{
		Read: c.ReadTimeout, Write: c.WriteTimeout, Idle: c.IdleTimeout, Shutdown: c.ShutdownTimeout,
	})
	cancel()
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

// watch starts reloading on changes, as --watch says, and returns a channel
// closed when the watch has stopped (nil with --watch=off). A watch that
// cannot use file notifications falls back to polling.
func (c *serveCmd) watch(ctx context.Context, dir string, srv *server.Server, log *slog.Logger) <-chan struct{} {
	if c.Watch == "off" {
		return nil
	}
	opt := loader.WatchOptions{
		Quiet: c.Debounce, MaxWait: c.DebounceMax, Rescan: c.Rescan, Poll: c.Watch == "poll",
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

func (c *serveCmd) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
