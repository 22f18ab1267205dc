package loader

import (
	"crypto/sha256"

	"github.com/ruled/ruled/dsl"
)

// parseRulesFile reads a .rules file (the rule language of package dsl),
// named file in positions: its audiences, cart rules, placements and blocks
// join those of the YAML files, so a project can mix both formats, and
// rules.Validate checks them together (an id used in a YAML file and in a
// .rules file is a duplicate). Content files are read relative to the
// .rules file, as for YAML. The .rules parser hands conditions on as text
// with positions, as the YAML reader does; the engine compiles them.
func parseRulesFile(file string, data []byte, sum [sha256.Size]byte) *parsed {
	doc, diags := dsl.ParseRules(file, data)
	return &parsed{
		sum: sum, lines: doc.Lines, diags: diags, unread: doc.Unread,
		audiences: doc.Audiences, cartRules: doc.CartRules,
		placements: doc.Placements, blocks: doc.Blocks,
	}
}
