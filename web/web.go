package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Options are what the dashboard reads. Generation is required; the others
// may be nil.
type Options struct {
	// Generation returns the rule set in service, nil before the first load.
	Generation func() *engine.Generation
	// Status returns what the last reloads did.
	Status func() Status
	// Usage returns, by rule id, how often each rule applied and the
	// discount it gave since the server started.
	Usage func() map[string]Usage
	// Base is the path the handler is mounted at, without a trailing slash
	// ("/ui"); it serves Base and everything under it.
	Base string
	// RulesDir is the rules directory, shown so that authors know where the
	// files are. Example carts are read from its carts/ folder, when it has
	// one, for the playground.
	RulesDir string
	// MembershipHeader is the request header the server reads segment
	// membership from; the playground sends it and shows it in its curl
	// command (default "aep-segments-membership").
	MembershipHeader string
	// Now is the clock rule statuses are computed at (default time.Now).
	Now func() time.Time
}

// Status is what the last reloads did, for the status page.
type Status struct {
	// Last is the last reload attempt, nil before the first.
	Last *Reload
	// Failure is the last failed reload, kept after later successes; nil
	// when none failed.
	Failure *Reload
	// Warnings are the warnings of the load that made the rule set in
	// service.
	Warnings diag.List
}

// Reload is one reload attempt.
type Reload struct {
	At       time.Time
	Trigger  string // start, watch, signal, api
	OK       bool
	Duration time.Duration
	// Version is the version of the files it read.
	Version string
	// Error says why it failed; empty when it did not.
	Error       string
	Diagnostics diag.List
}

// Usage is how often one rule applied since the server started.
type Usage struct {
	// Applied counts the evaluations the rule applied in: the same count
	// as ruled_rule_applications_total.
	Applied uint64
	// Discount is what the rule took off in all, one exact amount per
	// currency, sorted by currency code.
	Discount []Amount
}

// Amount is an exact sum of money in one currency.
type Amount struct {
	Currency string
	Value    string // a decimal string with the currency's digits
}

func (a Amount) String() string { return a.Value + " " + a.Currency }

// handler serves the dashboard.
type handler struct {
	opt    Options
	pages  map[string]*template.Template
	mux    *http.ServeMux
	assets fs.FS
	etags  map[string]string // asset name → ETag
}

// New returns the dashboard's handler. It fails only when the embedded
// templates do not parse, which a test catches.
func New(opt Options) (http.Handler, error) {
	if opt.Generation == nil {
		return nil, fmt.Errorf("web: Options.Generation is required")
	}
	opt.Base = strings.TrimSuffix(opt.Base, "/")
	if opt.MembershipHeader == "" {
		opt.MembershipHeader = "aep-segments-membership"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Status == nil {
		opt.Status = func() Status { return Status{} }
	}
	if opt.Usage == nil {
		opt.Usage = func() map[string]Usage { return nil }
	}
	h := &handler{opt: opt, pages: map[string]*template.Template{}, etags: map[string]string{}}
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	h.assets = assets
	if err := fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h.etags[name] = `"` + hex.EncodeToString(sum[:8]) + `"`
		return nil
	}); err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	funcs := template.FuncMap{
		"url": func(p ...string) string { return opt.Base + "/" + strings.Join(p, "/") },
		"asset": func(name string) string {
			return opt.Base + "/assets/" + name + "?v=" + strings.Trim(h.etags[name], `"`)
		},
		"when":  formatTime,
		"ago":   func(t time.Time) string { return ago(opt.Now(), t) },
		"caret": caret,
		"ms":    ms,
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	for _, name := range []string{"audiences", "rules", "rule", "block", "playground", "status", "notfound", "notready"} {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		h.pages[name] = t
	}
	b := opt.Base
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+b+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b+"/audiences", http.StatusFound)
	})
	if b != "" {
		mux.HandleFunc("GET "+b, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, b+"/audiences", http.StatusFound)
		})
	}
	mux.HandleFunc("GET "+b+"/audiences", h.ready(h.audiences))
	mux.HandleFunc("GET "+b+"/rules", h.ready(h.rules))
	mux.HandleFunc("GET "+b+"/rules/{id}", h.ready(h.rule))
	mux.HandleFunc("GET "+b+"/blocks/{id}", h.ready(h.block))
	mux.HandleFunc("GET "+b+"/playground", h.ready(h.playground))
	mux.HandleFunc("GET "+b+"/status", h.status)
	mux.HandleFunc("GET "+b+"/assets/{name...}", h.asset)
	mux.HandleFunc(b+"/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			h.notFound(w, r, http.StatusMethodNotAllowed, "The dashboard is read-only: its pages answer GET only.")
			return
		}
		h.notFound(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
	})
	h.mux = mux
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// No inline script or style, nothing from elsewhere: the pages work
	// offline and a rule file's text can never run as script.
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// page is what every template gets.
type page struct {
	Title    string
	Nav      string // the nav entry of the page
	Base     string
	RulesDir string
	Gen      *engine.Generation
	Data     any
}

// ready wraps a page that needs a rule set in service.
func (h *handler) ready(f func(w http.ResponseWriter, r *http.Request, g *engine.Generation)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g := h.opt.Generation() // this page's rule set, to the end
		if g == nil {
			h.render(w, http.StatusServiceUnavailable, "notready", page{Title: "No rule set loaded", Nav: "status", Data: h.opt.Status()})
			return
		}
		f(w, r, g)
	}
}

// render executes a page into a buffer first, so that a template error is a
// clean 500 and never half a page.
func (h *handler) render(w http.ResponseWriter, status int, name string, p page) {
	p.Base, p.RulesDir = h.opt.Base, h.opt.RulesDir
	if p.Gen == nil {
		p.Gen = h.opt.Generation()
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		http.Error(w, "internal error: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, status, "notfound", page{Title: http.StatusText(status), Data: msg})
}

// asset serves an embedded file; the pages link it with its hash, so it
// may be cached for long.
func (h *handler) asset(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(r.PathValue("name"))
	etag, ok := h.etags[name]
	if !ok {
		h.notFound(w, r, http.StatusNotFound, "There is no asset "+name+".")
		return
	}
	b, _ := fs.ReadFile(h.assets, name)
	w.Header().Set("ETag", etag)
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ago says how long before now t was, roughly.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// caret is the line under a diagnostic's source that points at its
// column, as diag.Fprint draws it.
func caret(d diag.Diagnostic) string {
	if d.Source == "" || d.Pos.Col < 1 {
		return ""
	}
	src := strings.ReplaceAll(d.Source, "\t", " ")
	return strings.Repeat(" ", min(d.Pos.Col-1, len([]rune(src)))) + "^"
}
