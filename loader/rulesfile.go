package loader

import (
	"github.com/ruled/ruled/dsl"
)

// readRules reads a .rules file (the rule language of package dsl) into the
// set: its audiences, cart rules, placements and blocks join those of the
// YAML files, so a project can mix both formats, and rules.Validate checks
// them together (an id used in a YAML file and in a .rules file is a
// duplicate). Content files are read relative to the .rules file, as for
// YAML. The .rules parser hands conditions on as text with positions, as
// the YAML reader does; the engine compiles them.
func (l *loader) readRules(p string, data []byte) {
	name := l.file(p)
	doc, diags := dsl.ParseRules(name, data)
	l.set.Files = append(l.set.Files, p)
	l.set.Sources[name] = doc.Lines
	l.diags = append(l.diags, diags...)
	for _, pos := range doc.Unread {
		l.unread[pos] = true
	}
	l.set.Audiences = append(l.set.Audiences, doc.Audiences...)
	l.set.CartRules = append(l.set.CartRules, doc.CartRules...)
	l.contents(p, doc.Blocks)
	l.set.Placements = append(l.set.Placements, doc.Placements...)
	l.set.Blocks = append(l.set.Blocks, doc.Blocks...)
}
