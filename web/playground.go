package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/ruled/ruled/engine"
)

// example is a cart the playground offers to start from.
type example struct {
	Name string          `json:"name"`
	Cart json.RawMessage `json:"cart"`
}

type playgroundData struct {
	Audiences  []audienceRow
	Placements []placementOption
	Examples   []example
	Cart       string // the cart the form starts with
	Header     string // the membership header
	Endpoint   string // the REST endpoint the page calls
}

type placementOption struct{ ID, Name, Rotation string }

// defaultCart is the playground's cart when the rules directory has no
// example carts.
const defaultCart = `{
  "customer": {"group": "general"},
  "items": [
    {"sku": "SKU-1", "name": "First item", "qty": 2, "price": "49.00", "categories": ["shoes"]}
  ],
  "shipping": {"method": "flatrate_flatrate", "amount": "10.00", "country": "US"}
}`

func (h *handler) playground(w http.ResponseWriter, r *http.Request, g *engine.Generation) {
	d := playgroundData{Header: h.opt.MembershipHeader, Endpoint: "/v1/cart/evaluate?explain=true", Cart: defaultCart}
	for _, a := range g.Program.Set().Audiences {
		d.Audiences = append(d.Audiences, audienceRow{ID: a.ID, Name: a.Name, Removed: a.Removed})
	}
	for _, p := range g.Program.Placements() {
		d.Placements = append(d.Placements, placementOption{p.ID, p.Name, string(p.Rotation)})
	}
	d.Examples = h.examples()
	if len(d.Examples) > 0 {
		d.Cart = indent(d.Examples[0].Cart)
	}
	h.render(w, http.StatusOK, "playground", page{Title: "Playground", Nav: "playground", Gen: g, Data: d})
}

// examples reads the example carts of the rules directory (carts/*.json),
// sorted by name, skipping any that is not JSON. They are re-read on every
// request: they are a handful of small files, and edits show at once.
func (h *handler) examples() []example {
	if h.opt.RulesDir == "" {
		return nil
	}
	names, _ := filepath.Glob(filepath.Join(h.opt.RulesDir, "carts", "*.json"))
	var out []example
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil || len(b) > 256<<10 || !json.Valid(b) {
			continue
		}
		var buf bytes.Buffer
		if json.Compact(&buf, b) != nil {
			continue
		}
		out = append(out, example{Name: strings.TrimSuffix(filepath.Base(name), ".json"), Cart: buf.Bytes()})
	}
	return out
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return string(b)
	}
	return buf.String()
}
