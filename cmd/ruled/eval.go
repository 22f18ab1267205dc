package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/membership"
)

type evalCmd struct {
	Segments  string   `help:"Raw aep-segments-membership value (URL-encoded list of segment ids), added to the cart's segments." placeholder:"VALUE"`
	Explain   bool     `help:"Explain, for every rule, why it applied or not."`
	Placement []string `help:"Also choose the dynamic blocks of this placement (repeatable)." placeholder:"ID"`
	Visitor   string   `help:"Visitor id, for random and shuffle rotations." placeholder:"ID"`
	View      int      `help:"View counter, for series and shuffle rotations." default:"0"`
	Cart      string   `arg:"" help:"Cart JSON file, or - for stdin." placeholder:"CART.json|-"`
}

func (c *evalCmd) run(e *env) int {
	b, err := load(e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled eval:", err)
		return exitCantRun
	}
	prog := b.Program
	diag.Fprint(e.stderr, b.Diags)
	if prog == nil {
		return exitWrong
	}
	data, name, err := c.read(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled eval:", err)
		return exitCantRun
	}
	cart, err := engine.DecodeCart(data, prog.CartDefaults())
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: %v\n", name, err)
		return exitWrong
	}
	if c.Segments != "" {
		ids, err := membership.Decode(c.Segments)
		if err != nil {
			fmt.Fprintf(e.stderr, "--segments: %v\n", err)
			return exitWrong
		}
		cart.Segments = membership.Union(cart.Segments, ids)
	}
	res, err := prog.Evaluate(cart, engine.Options{Explain: c.Explain, Placements: c.Placement, VisitorID: c.Visitor, View: c.View})
	if err != nil {
		var ie *engine.InputError
		if errors.As(err, &ie) {
			fmt.Fprintf(e.stderr, "%s: %v\n", name, err)
			return exitWrong
		}
		fmt.Fprintln(e.stderr, "ruled eval:", err)
		return exitCantRun
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(e.stderr, "ruled eval:", err)
		return exitCantRun
	}
	return exitOK
}

// maxCart bounds what eval reads, as the server bounds request bodies.
const maxCart = 8 << 20

func (c *evalCmd) read(e *env) ([]byte, string, error) {
	var r io.Reader = e.stdin
	name := "stdin"
	if c.Cart != "-" {
		f, err := os.Open(c.Cart)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r, name = f, c.Cart
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCart+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxCart {
		return nil, "", fmt.Errorf("%s is larger than %d bytes", name, maxCart)
	}
	return data, name, nil
}
