package server

import (
	"net/http"
	"time"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/web"
)

// DashboardPath is where the web dashboard is mounted; / redirects to it.
const DashboardPath = "/ui"

// newDashboard builds the web dashboard over this server's rule set,
// reload status and rule counters.
func (s *Server) newDashboard() http.Handler {
	h, err := web.New(web.Options{
		Generation:       func() *engine.Generation { return s.live.Load() },
		Status:           s.dashboardStatus,
		Usage:            s.metrics.usage.snapshot,
		Base:             DashboardPath,
		RulesDir:         s.opt.RulesDir,
		MembershipHeader: s.opt.MembershipHeader,
		Now:              s.opt.Now,
	})
	if err != nil {
		panic(err) // the embedded templates do not parse: a bug the tests catch
	}
	return h
}

// dashboardStatus is what /v1/status says about reloads, for the status
// page.
func (s *Server) dashboardStatus() web.Status {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	st := web.Status{Warnings: s.state.warnings}
	conv := map[*reloadReport]*web.Reload{}
	for _, pair := range []struct {
		from *reloadReport
		to   **web.Reload
	}{{s.state.last, &st.Last}, {s.state.failure, &st.Failure}} {
		rep := pair.from
		if rep == nil {
			continue
		}
		if r, ok := conv[rep]; ok { // the same attempt: the page shows it once
			*pair.to = r
			continue
		}
		r := &web.Reload{At: rep.At, Trigger: rep.Trigger, OK: rep.OK, Version: rep.Version, Error: rep.Error,
			Diagnostics: rep.Diagnostics, Duration: time.Duration(rep.DurationMS * float64(time.Millisecond))}
		conv[rep] = r
		*pair.to = r
	}
	return st
}
