package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/rules"
)

func TestPlacementsAndBlocksListing(t *testing.T) {
	set := blockSet()
	for i := range set.Blocks {
		switch set.Blocks[i].ID {
		case "random-b0":
			set.Blocks[i].From = rules.Bound{Date: rules.Date{Year: 2027, Month: 1, Day: 1}}
		case "random-b1":
			set.Blocks[i].To = rules.Bound{Date: rules.Date{Year: 2026, Month: 1, Day: 1}}
		}
	}
	p := mustCompile(t, set)
	var ids []string
	for _, pl := range p.Placements() {
		ids = append(ids, pl.ID)
	}
	if diff := cmp.Diff([]string{"all", "random", "series", "shuffle", "strip"}, ids); diff != "" {
		t.Errorf("placements (-want +got):\n%s", diff)
	}

	type row struct{ ID, Placement, Status, Audiences string }
	var got []row
	for _, b := range p.Blocks(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) {
		if b.Placement.ID != b.Block.Placement {
			t.Errorf("%s: placement %s, want %s", b.Block.ID, b.Placement.ID, b.Block.Placement)
		}
		if b.Placement.ID != "all" && b.Placement.ID != "random" && b.Placement.ID != "strip" {
			continue
		}
		got = append(got, row{b.Block.ID, b.Placement.ID, b.Status, strings.Join(b.Audiences, ", ")})
	}
	want := []row{
		{"all-b0", "all", RuleEnabled, ""}, {"all-b1", "all", RuleEnabled, ""}, {"all-b2", "all", RuleEnabled, ""},
		{"all-b3", "all", RuleDisabled, ""},
		{"random-b0", "random", RuleScheduled, ""}, {"random-b1", "random", RuleExpired, ""},
		{"random-b2", "random", RuleEnabled, ""}, {"random-b3", "random", RuleEnabled, ""},
		// Priority 0 for all: by id.
		{"big-strip", "strip", RuleEnabled, ""}, {"ca-strip", "strip", RuleEnabled, ""},
		{"shoe-strip", "strip", RuleEnabled, ""}, {"vip-strip", "strip", RuleEnabled, "VIP Shoppers"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
}
