package corpus

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// Stats summarise a corpus.
type Stats struct {
	Files int `json:"files"`
	// Carts counts the lines that are JSON objects; Invalid the others.
	Carts   int `json:"carts"`
	Invalid int `json:"invalid"`
	// First and Last are the earliest and latest "now" (RFC 3339, UTC);
	// WithoutNow counts carts with none (or one that is not RFC 3339).
	First      string `json:"first,omitempty"`
	Last       string `json:"last,omitempty"`
	WithoutNow int    `json:"without_now"`
	// Lines counts cart lines over all carts.
	Lines int `json:"lines"`
	// Customers counts distinct customer ids; Anonymous the carts without.
	Customers int `json:"customers"`
	Anonymous int `json:"anonymous"`
	// WithCoupon, WithSegments and WithPlacements count carts that have a
	// coupon code, segment ids, or ask for placements; Segments counts
	// distinct segment ids.
	WithCoupon     int `json:"with_coupon"`
	WithSegments   int `json:"with_segments"`
	Segments       int `json:"segments"`
	WithPlacements int `json:"with_placements"`
	// Carts by currency, website and customer group ("" when not given).
	Currencies map[string]int `json:"currencies"`
	Websites   map[string]int `json:"websites"`
	Groups     map[string]int `json:"groups"`
}

// statsCart is what Summarize reads of a line.
type statsCart struct {
	Now        string `json:"now"`
	Website    string `json:"website"`
	Currency   string `json:"currency"`
	CouponCode string `json:"coupon_code"`
	Customer   struct {
		ID    string `json:"id"`
		Group string `json:"group"`
	} `json:"customer"`
	Segments []string          `json:"segments"`
	Items    []json.RawMessage `json:"items"`
}

// Summarize reads the corpus at path and counts what it holds.
func Summarize(path string) (*Stats, error) {
	files, err := Files(path)
	if err != nil {
		return nil, err
	}
	s := &Stats{Files: len(files), Currencies: map[string]int{}, Websites: map[string]int{}, Groups: map[string]int{}}
	customers, segments := map[string]bool{}, map[string]bool{}
	var first, last time.Time
	err = Scan(path, func(e *Entry, err error) error {
		if err != nil {
			s.Invalid++
			return nil
		}
		s.Carts++
		var c statsCart
		if json.Unmarshal(e.Cart, &c) != nil {
			// A field of the wrong type: the cart is counted, its details
			// are the engine's to judge.
			return nil
		}
		if t, err := time.Parse(time.RFC3339, c.Now); err == nil {
			if first.IsZero() || t.Before(first) {
				first = t
			}
			if t.After(last) {
				last = t
			}
		} else {
			s.WithoutNow++
		}
		s.Lines += len(c.Items)
		if c.Customer.ID != "" {
			customers[c.Customer.ID] = true
		} else {
			s.Anonymous++
		}
		if c.CouponCode != "" {
			s.WithCoupon++
		}
		if len(c.Segments) > 0 {
			s.WithSegments++
			for _, id := range c.Segments {
				segments[id] = true
			}
		}
		if len(e.Placements) > 0 {
			s.WithPlacements++
		}
		s.Currencies[c.Currency]++
		s.Websites[c.Website]++
		s.Groups[c.Customer.Group]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Customers, s.Segments = len(customers), len(segments)
	if !first.IsZero() {
		s.First, s.Last = first.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339)
	}
	return s, nil
}

// WriteText writes the summary for a terminal.
func (s *Stats) WriteText(w io.Writer) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	p("%d carts in %d %s", s.Carts, s.Files, plural(s.Files, "file", "files"))
	if s.Invalid > 0 {
		p(", %d lines that are not carts", s.Invalid)
	}
	p("\n")
	if s.First != "" {
		p("from %s to %s", s.First, s.Last)
		if s.WithoutNow > 0 {
			p(" (%d carts without now)", s.WithoutNow)
		}
		p("\n")
	}
	p("%d lines, %.1f per cart\n", s.Lines, float64(s.Lines)/float64(max(s.Carts, 1)))
	p("%d customers, %d carts without a customer id\n", s.Customers, s.Anonymous)
	p("%d carts with a coupon, %d with segments (%d distinct), %d asking for placements\n", s.WithCoupon, s.WithSegments, s.Segments, s.WithPlacements)
	for _, c := range []struct {
		name string
		m    map[string]int
	}{{"currencies", s.Currencies}, {"websites", s.Websites}, {"groups", s.Groups}} {
		p("%s:", c.name)
		for _, k := range slices.Sorted(maps.Keys(c.m)) {
			name := k
			if name == "" {
				name = "(default)"
			}
			p(" %s %d", name, c.m[k])
		}
		p("\n")
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
