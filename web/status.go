package web

import (
	"net/http"
	"time"
)

type statusData struct {
	Status
	Files    []string
	Summary  string
	Currency string
	Timezone string
	// Serving says whether the last reload failed while an older rule set
	// is still in service.
	Stale bool
	// ShowFailure says whether the last failure is an older attempt than
	// the last one, so that it is shown apart.
	ShowFailure bool
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	g := h.opt.Generation()
	d := statusData{Status: h.opt.Status()}
	if g != nil {
		set := g.Program.Set()
		d.Files, d.Summary = set.Files, g.Program.Summary()
		d.Currency, d.Timezone = g.Program.Currency().Code, g.Program.Location().String()
	}
	d.Stale = d.Last != nil && !d.Last.OK && g != nil
	d.ShowFailure = d.Failure != nil && d.Failure != d.Last
	h.render(w, http.StatusOK, "status", page{Title: "Status", Nav: "status", Gen: g, Data: d})
}

// ms writes a duration in milliseconds with a tenth.
func ms(d time.Duration) float64 { return float64(d.Microseconds()/100) / 10 }
