package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	At          time.Time `json:"at"`
	Trigger     string    `json:"trigger"`
	OK          bool      `json:"ok"`
	DurationMS  float64   `json:"duration_ms"`
	Version     string    `json:"version,omitempty"` // the version it read
	Error       string    `json:"error,omitempty"`
	Diagnostics diag.List `json:"diagnostics,omitempty"`
}

// Reload compiles the rule set afresh and, when it has no errors, swaps it
// in whole; otherwise the rule set in service stays and the error, a
// *ReloadError, says why (it is also logged, diagnostic by diagnostic, and
// shown on /v1/status and in metrics). Reloads run one at a time.
func (s *Server) Reload(trigger string) (*engine.Generation, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	start := time.Now()
	prog, diags, version, err := s.opt.Compile()
	elapsed := time.Since(start)
	s.metrics.reloadDuration.Observe(elapsed.Seconds())
	rep := &reloadReport{At: s.opt.Now(), Trigger: trigger, DurationMS: float64(elapsed.Microseconds()) / 1000, Version: version, Diagnostics: diags}

	if err != nil || prog == nil {
		rerr := &ReloadError{Err: err, Diagnostics: diags}
		if g := s.live.Load(); g != nil {
			rerr.Kept = g.Version
		}
		rep.Error = rerr.Error()
		s.metrics.reloads.WithLabelValues(trigger, "failure").Inc()
		s.metrics.lastReloadOK.Set(0)
		s.metrics.reloadErrors.Set(float64(max(diags.Errors(), 1)))
		s.stateMu.Lock()
		s.state.last, s.state.failure = rep, rep
		s.stateMu.Unlock()
		s.log.Error("reload failed", "trigger", trigger, "error", rerr.Error(), "errors", diags.Errors(), "version_read", version)
		s.logDiagnostics(diags)
		return nil, rerr
	}

	rep.OK = true
	s.stateMu.Lock() // status sees the generation and its warnings together
	g := s.live.Swap(prog, version, rep.At)
	s.state.last = rep
	s.state.warnings = diags
	s.stateMu.Unlock()
	s.metrics.reloads.WithLabelValues(trigger, "success").Inc()
	s.metrics.lastReloadOK.Set(1)
	s.metrics.reloadErrors.Set(0)
	s.metrics.swapped(g)
	s.log.Info("rule set loaded", "trigger", trigger, "version", version, "generation", g.Seq,
		"summary", prog.Summary(), "warnings", len(diags), "duration_ms", rep.DurationMS)
	s.logDiagnostics(diags)
	return g, nil
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
