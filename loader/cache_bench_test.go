package loader

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// bigProject is a project of files×perFile cart rules, with 1,000
// audiences: the shape of a large merchant's rules.
func bigProject(files, perFile int) fstest.MapFS {
	fsys := fstest.MapFS{"ruled.yaml": {Data: []byte("timezone: America/New_York\n")}}
	var aud strings.Builder
	aud.WriteString("audiences:\n")
	for i := range 1000 {
		fmt.Fprintf(&aud, "  - id: 00000000-0000-4000-8000-%012d\n    name: Audience %d\n    updated: 2026-09-28T06:12:44Z\n", i, i)
	}
	fsys["audiences.yaml"] = &fstest.MapFile{Data: []byte(aud.String())}
	n := 0
	for f := range files {
		var b strings.Builder
		b.WriteString("cart_rules:\n")
		for range perFile {
			fmt.Fprintf(&b, "  - id: rule-%05d\n    name: Rule %d\n    priority: %d\n", n, n, n%100)
			if n%7 == 0 {
				fmt.Fprintf(&b, "    coupon: CODE%05d\n", n)
			}
			if n%3 == 0 {
				b.WriteString("    from: 2026-01-01\n    to: 2027-12-31\n")
			}
			fmt.Fprintf(&b, "    when: audience(\"Audience %d\") and cart.subtotal >= %d\n", n%1000, n%300)
			fmt.Fprintf(&b, "    action:\n      type: by_percent\n      amount: %d\n      items: '\"shoes\" in item.categories'\n", 5+n%40)
			n++
		}
		fsys[fmt.Sprintf("rules/r%04d.yaml", f)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}

// BenchmarkLoadFull loads 10,000 rules from scratch.
func BenchmarkLoadFull(b *testing.B) {
	fsys := bigProject(100, 100)
	b.ReportAllocs()
	for b.Loop() {
		LoadFS(fsys, "p")
	}
}

// BenchmarkLoadOneFileChanged reloads 10,000 rules after one file of 100
// changed.
func BenchmarkLoadOneFileChanged(b *testing.B) {
	fsys := bigProject(100, 100)
	var c Cache
	c.LoadFS(fsys, "p")
	orig := fsys["rules/r0050.yaml"].Data
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		fsys["rules/r0050.yaml"] = &fstest.MapFile{Data: fmt.Appendf(append([]byte(nil), orig...), "# %d\n", i)}
		c.LoadFS(fsys, "p")
	}
}

// BenchmarkLoadUnchanged reloads 10,000 rules when nothing changed (the
// periodic rescan).
func BenchmarkLoadUnchanged(b *testing.B) {
	fsys := bigProject(100, 100)
	var c Cache
	c.LoadFS(fsys, "p")
	b.ReportAllocs()
	for b.Loop() {
		c.LoadFS(fsys, "p")
	}
}
