package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
)

// Reload triggers, as reported in logs, metrics and /v1/status.
const (
	TriggerStart  = "start"  // the first load
	TriggerWatch  = "watch"  // the files changed
	TriggerSignal = "signal" // SIGHUP
	TriggerAPI    = "api"    // POST /v1/reload
	TriggerPull   = "pull"   // the audience registry was pulled from the CDP
)

// ReloadError is a reload that left the rule set in service as it was.
type ReloadError struct {
	// Err is set when the rules directory could not be read at all.
	Err error
	// Diagnostics are every problem found, errors and warnings, sorted.
	Diagnostics diag.List
	// Kept is the version still in service, "" when none is.
	Kept string
}

func (e *ReloadError) Error() string {
	kept := "no rule set is in service"
	if e.Kept != "" {
		kept = "still serving version " + e.Kept
	}
	if e.Err != nil {
		return fmt.Sprintf("reload failed: %v; %s", e.Err, kept)
	}
	n := e.Diagnostics.Errors()
	errs := "errors"
	if n == 1 {
		errs = "error"
	}
	return fmt.Sprintf("reload failed: %d %s in the rules; %s", n, errs, kept)
}

func (e *ReloadError) Unwrap() error { return e.Err }

// reloadState is what /v1/status says about reloads.
type reloadState struct {
	last     *reloadReport // the last attempt, nil before the first
	failure  *reloadReport // the last failed attempt, kept after later successes
	warnings diag.List     // of the load that made the generation in service
}

// reloadReport is one reload attempt.
type reloadReport struct {
	At         time.Time `json:"at"`
	Trigger    string    `json:"trigger"`
	OK         bool      `json:"ok"`
	DurationMS float64   `json:"duration_ms"`
	// Stages are the steps of the reload with their durations: those of
	// the Build (read, parse, compile), then swap.
	Stages []stageReport `json:"stages,omitempty"`
	// Files counts the files read, Parsed those parsed afresh.
	Files  int `json:"files"`
	Parsed int `json:"parsed"`
	// Coalesced counts the triggers that arrived while an earlier reload
	// ran and were served by this one.
	Coalesced   int       `json:"coalesced,omitempty"`
	Version     string    `json:"version,omitempty"` // the version it read
	Error       string    `json:"error,omitempty"`
	Diagnostics diag.List `json:"diagnostics,omitempty"`
}

type stageReport struct {
	Stage      string  `json:"stage"`
	DurationMS float64 `json:"duration_ms"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// reloadCall is one reload and the triggers waiting for it.
type reloadCall struct {
	trigger   string // the first trigger: the reload's name in logs and metrics
	force     bool   // a trigger other than the watch asked for it
	coalesced int    // triggers that joined it
	done      chan struct{}
	g         *engine.Generation
	err       error
}

// Reload reads and compiles the rule set and, when it has no errors, swaps
// it in whole; otherwise the rule set in service stays and the error, a
// *ReloadError, says why (it is also logged, diagnostic by diagnostic, and
// shown on /v1/status and in metrics).
//
// Reloads run one at a time, and triggers coalesce: a trigger that arrives
// while a reload runs waits for the next one, which reads the files after
// every trigger waiting for it and whose result they all share. A reload
// asked for by the watch alone that reads the version last read changes
// nothing: it returns what the last reload gave, without a new generation.
func (s *Server) Reload(trigger string) (*engine.Generation, error) {
	s.pendMu.Lock()
	if c := s.pending; c != nil {
		c.coalesced++
		c.force = c.force || trigger != TriggerWatch
		s.pendMu.Unlock()
		s.metrics.coalesced.Inc()
		<-c.done
		return c.g, c.err
	}
	c := &reloadCall{trigger: trigger, force: trigger != TriggerWatch, done: make(chan struct{})}
	s.pending = c
	s.pendMu.Unlock()

	s.reloadMu.Lock()
	// From here on the files may already be read: later triggers wait for
	// the next reload.
	s.pendMu.Lock()
	s.pending = nil
	force, coalesced := c.force, c.coalesced
	s.pendMu.Unlock()
	c.g, c.err = s.reloadNow(c.trigger, force, coalesced)
	s.reloadMu.Unlock()
	close(c.done)
	return c.g, c.err
}

// reloadNow is one reload; s.reloadMu is held.
func (s *Server) reloadNow(trigger string, force bool, coalesced int) (*engine.Generation, error) {
	if f := s.opt.AfterReload; f != nil {
		defer f()
	}
	start := time.Now()
	b, err := s.opt.Compile()
	if err == nil && b == nil {
		err = errors.New("the compile step returned nothing")
	}
	if b == nil {
		b = &Build{}
	}
	read := b.Version + " keys " + b.Keys
	if err != nil {
		read = "error: " + err.Error()
	}
	if !force && s.lastRead != "" && read == s.lastRead {
		s.metrics.reloads.WithLabelValues(trigger, "unchanged").Inc()
		s.log.Debug("rule files unchanged", "trigger", trigger, "version", b.Version, "duration_ms", ms(time.Since(start)))
		return s.live.Load(), s.lastErr
	}
	s.lastRead = read
	elapsed := time.Since(start)
	rep := &reloadReport{At: s.opt.Now(), Trigger: trigger, Version: b.Version, Diagnostics: b.Diagnostics,
		Files: b.Files, Parsed: b.Parsed, Coalesced: coalesced}
	for _, st := range b.Stages {
		rep.Stages = append(rep.Stages, stageReport{st.Name, ms(st.Duration)})
		s.metrics.stageDuration.WithLabelValues(st.Name).Observe(st.Duration.Seconds())
	}
	diags := b.Diagnostics

	if err != nil || b.Program == nil {
		rep.DurationMS = ms(elapsed)
		s.metrics.reloadDuration.Observe(elapsed.Seconds())
		rerr := &ReloadError{Err: err, Diagnostics: diags}
		if g := s.live.Load(); g != nil {
			rerr.Kept = g.Version
		}
		s.lastErr = rerr
		if k := keysProblem(diags); k != "" {
			s.badKeys.Store(&k)
		} else {
			s.badKeys.Store(nil)
		}
		rep.Error = rerr.Error()
		s.metrics.reloads.WithLabelValues(trigger, "failure").Inc()
		s.metrics.lastReloadOK.Set(0)
		s.metrics.reloadErrors.Set(float64(max(diags.Errors(), 1)))
		s.stateMu.Lock()
		s.state.last, s.state.failure = rep, rep
		s.stateMu.Unlock()
		s.log.Error("reload failed", "trigger", trigger, "error", rerr.Error(), "errors", diags.Errors(), "version_read", b.Version)
		s.logDiagnostics(diags)
		return nil, rerr
	}

	swapStart := time.Now()
	rep.OK = true
	s.stateMu.Lock() // status sees the generation and its warnings together
	g := s.live.Swap(b.Program, b.Version, rep.At)
	trust := b.Trust
	if trust == nil {
		trust = &Trust{}
	}
	s.served.Store(&served{g: g, trust: trust})
	s.state.last = rep
	s.state.warnings = diags
	swap := time.Since(swapStart)
	rep.Stages = append(rep.Stages, stageReport{"swap", ms(swap)})
	elapsed += swap
	rep.DurationMS = ms(elapsed)
	s.stateMu.Unlock()
	s.lastErr = nil
	s.badKeys.Store(nil)
	s.metrics.stageDuration.WithLabelValues("swap").Observe(swap.Seconds())
	s.metrics.reloadDuration.Observe(elapsed.Seconds())
	s.metrics.reloads.WithLabelValues(trigger, "success").Inc()
	s.metrics.lastReloadOK.Set(1)
	s.metrics.reloadErrors.Set(0)
	s.metrics.swapped(g)
	attrs := []any{"trigger", trigger, "version", b.Version, "generation", g.Seq, "summary", b.Program.Summary(),
		"warnings", len(diags), "duration_ms", rep.DurationMS, "files", b.Files, "parsed", b.Parsed}
	for _, st := range rep.Stages {
		attrs = append(attrs, st.Stage+"_ms", st.DurationMS)
	}
	if coalesced > 0 {
		attrs = append(attrs, "coalesced", coalesced)
	}
	s.log.Info("rule set loaded", attrs...)
	s.logDiagnostics(diags)
	if s.opt.AfterReload == nil {
		s.releaseMemory()
	}
	return g, nil
}

// releaseMemory returns what the last build left behind to the system, so
// that the resident size at rest follows what the rule set in service
// needs rather than the high-water mark of the build. It is a full
// collection, which takes a while on a big heap: it runs in the background,
// never holding up the next reload, and one at a time.
func (s *Server) releaseMemory() {
	if !s.releasing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.releasing.Store(false)
		debug.FreeOSMemory()
	}()
}

// logDiagnostics logs each diagnostic as file:line:col: message, with its
// code.
func (s *Server) logDiagnostics(l diag.List) {
	for _, d := range l {
		level := slog.LevelError
		if d.Severity == diag.Warning {
			level = slog.LevelWarn
		}
		s.log.Log(context.Background(), level, "rule diagnostic", "diagnostic", d.Error(), "code", d.Code)
	}
}

// reload answers POST /v1/reload: reload now, whatever the files' hash.
func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	g, err := s.Reload(TriggerAPI)
	if err != nil {
		var rerr *ReloadError
		errors.As(err, &rerr)
		status := http.StatusUnprocessableEntity
		if rerr.Err != nil {
			status = http.StatusInternalServerError
		}
		writeJSON(w, status, struct {
			Error       apiError  `json:"error"`
			Diagnostics diag.List `json:"diagnostics"`
		}{apiError{Code: codeReloadFailed, Message: rerr.Error()}, orEmpty(rerr.Diagnostics)})
		return
	}
	s.stateMu.Lock()
	warnings := s.state.warnings
	s.stateMu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		OK       bool      `json:"ok"`
		Version  string    `json:"version"`
		LoadedAt time.Time `json:"loaded_at"`
		Summary  string    `json:"summary"`
		Warnings diag.List `json:"warnings"`
	}{true, g.Version, g.LoadedAt, g.Program.Summary(), orEmpty(warnings)})
}

func orEmpty(l diag.List) diag.List {
	if l == nil {
		return diag.List{}
	}
	return l
}

// healthz answers GET /healthz: the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers GET /readyz: a rule set is in service.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	g := s.live.Load()
	if g == nil {
		notReady(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "version": g.Version})
}

// status answers GET /v1/status: the rule set in service and the last
// reload.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	type counts struct {
		CartRules int `json:"cart_rules"`
		Audiences int `json:"audiences"`
		Files     int `json:"files"`
	}
	out := struct {
		Ready      bool          `json:"ready"`
		RulesDir   string        `json:"rules_dir"`
		Version    string        `json:"version,omitempty"`
		Generation uint64        `json:"generation,omitempty"`
		LoadedAt   *time.Time    `json:"loaded_at,omitempty"`
		Summary    string        `json:"summary,omitempty"`
		Currency   string        `json:"currency,omitempty"`
		Timezone   string        `json:"timezone,omitempty"`
		Counts     counts        `json:"counts"`
		Files      []string      `json:"files"`
		Warnings   diag.List     `json:"warnings"`
		LastReload *reloadReport `json:"last_reload"`
		// LastFailure is the last reload that failed, even when a later one
		// succeeded; null when none has.
		LastFailure *reloadReport `json:"last_failure"`
	}{RulesDir: s.opt.RulesDir, Files: []string{}}
	s.stateMu.Lock()
	g := s.live.Load()
	out.LastReload, out.LastFailure, out.Warnings = s.state.last, s.state.failure, orEmpty(s.state.warnings)
	s.stateMu.Unlock()
	if g != nil {
		set := g.Program.Set()
		out.Ready, out.Version, out.Generation, out.LoadedAt = true, g.Version, g.Seq, &g.LoadedAt
		out.Summary, out.Currency, out.Timezone = g.Program.Summary(), g.Program.Currency().Code, g.Program.Location().String()
		out.Counts = counts{len(set.CartRules), len(set.Audiences), len(set.Files)}
		if set.Files != nil {
			out.Files = set.Files
		}
	}
	writeJSON(w, http.StatusOK, out)
}
