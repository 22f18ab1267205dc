package loader

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

var (
	placementKeys = []string{"id", "name", "rotation", "limit"}
	blockKeys     = []string{
		"id", "name", "enabled", "placement", "websites", "customer_groups", "from", "to",
		"priority", "when", "related_rules", "content", "content_file", "data",
	}
)

// placements reads the list under placements.
func (r *reader) placements(n *yaml.Node) []rules.Placement {
	var out []rules.Placement
	for _, it := range r.list(n, "placements", "a list of placements") {
		entries, ok := r.mapping(it, "placement", "placement", placementKeys)
		if !ok {
			continue
		}
		p := rules.Placement{Rotation: rules.RotateAll, Pos: r.pos(it), Fields: map[string]diag.Pos{}}
		for _, e := range entries {
			v := e.value
			p.Fields[e.name] = r.pos(v)
			if isNull(v) {
				continue
			}
			switch e.name {
			case "id":
				p.ID, _ = r.str(v, e.name)
			case "name":
				p.Name, _ = r.str(v, e.name)
			case "rotation":
				s, _ := r.str(v, e.name)
				p.Rotation = rules.Rotation(s)
			case "limit":
				p.Limit, _ = r.integer(v, e.name)
			}
		}
		out = append(out, p)
	}
	return out
}

// blocks reads the list under blocks. Content files are read later, by the
// loader, which knows the file system.
func (r *reader) blocks(n *yaml.Node) []rules.Block {
	var out []rules.Block
	for _, it := range r.list(n, "blocks", "a list of blocks") {
		entries, ok := r.mapping(it, "block", "block", blockKeys)
		if !ok {
			continue
		}
		b := rules.Block{Enabled: true, Pos: r.pos(it), Fields: map[string]diag.Pos{}}
		for _, e := range entries {
			v := e.value
			b.Fields[e.name] = r.pos(v)
			if isNull(v) {
				continue
			}
			switch e.name {
			case "id":
				b.ID, _ = r.str(v, e.name)
			case "name":
				b.Name, _ = r.str(v, e.name)
			case "enabled":
				if x, ok := r.boolean(v, e.name); ok {
					b.Enabled = x
				}
			case "placement":
				b.Placement, _ = r.str(v, e.name)
			case "websites":
				b.Websites, _ = r.strs(v, e.name)
			case "customer_groups":
				b.CustomerGroups, _ = r.strs(v, e.name)
			case "from":
				b.From, _ = r.bound(v, e.name)
			case "to":
				b.To, _ = r.bound(v, e.name)
			case "priority":
				b.Priority, _ = r.integer(v, e.name)
			case "when":
				b.When, _ = r.condition(v, e.name)
			case "related_rules":
				b.RelatedRules, _ = r.strs(v, e.name)
			case "content":
				b.Content, _ = r.str(v, e.name)
			case "content_file":
				b.ContentFile, _ = r.str(v, e.name)
			case "data":
				if raw, ok := r.jsonValue(r.node(v)); ok {
					b.Data, _ = json.Marshal(raw)
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// jsonValue turns free-form YAML into values encoding/json writes back
// exactly: numbers stay their text (json.Number), never floats.
func (r *reader) jsonValue(n *yaml.Node) (any, bool) {
	n = r.node(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := r.node(n.Content[i])
			if k.Kind != yaml.ScalarNode {
				r.wrongType(k, "data", "a mapping with plain keys")
				return nil, false
			}
			v, ok := r.jsonValue(n.Content[i+1])
			if !ok {
				return nil, false
			}
			m[k.Value] = v
		}
		return m, true
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, it := range n.Content {
			v, ok := r.jsonValue(it)
			if !ok {
				return nil, false
			}
			l = append(l, v)
		}
		return l, true
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, true
		case "!!bool":
			b, err := strconv.ParseBool(strings.ToLower(n.Value))
			return b, err == nil
		case "!!int", "!!float":
			if d, err := money.Parse(n.Value); err == nil {
				return json.Number(d.String()), true
			}
		}
		return n.Value, true
	}
	return nil, true
}

// maxContentFile bounds a block's content file.
const maxContentFile = 256 << 10

// contents reads the content files of blocks declared in the file at p
// (a path in the loader's file system). A content file must stay inside the
// rules directory, so that the watcher sees it change.
func (l *loader) contents(p string, blocks []rules.Block) {
	for i := range blocks {
		b := &blocks[i]
		if b.ContentFile == "" {
			continue
		}
		pos := b.FieldPos("content_file")
		rel := path.Clean(path.Join(path.Dir(p), b.ContentFile))
		if path.IsAbs(b.ContentFile) || rel == ".." || strings.HasPrefix(rel, "../") {
			l.diags.Add(pos, "content-file-outside", "content_file %q is outside the rules directory: keep content files beside the rules", b.ContentFile)
			continue
		}
		if to, inside := resolveInside(l.fsys, rel); !inside {
			l.diags.Add(pos, "content-file-outside", "content_file %q leads through a symbolic link to %s, outside the rules directory: keep content files beside the rules", b.ContentFile, to)
			continue
		}
		data, err := readFile(l.fsys, rel)
		if err == nil && len(data) > maxContentFile {
			err = errors.New("larger than 256 KiB")
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				l.diags.Add(pos, "missing-content-file", "content_file %q does not exist (looked for %s)", b.ContentFile, l.file(rel))
			} else {
				l.diags.Add(pos, "unreadable-content-file", "content_file %q cannot be read: %v", b.ContentFile, err)
			}
			continue
		}
		b.Content = string(data)
		l.set.Files = append(l.set.Files, rel)
	}
}

// maxLinks bounds the symbolic links resolveInside follows, as the kernel
// bounds them (ELOOP).
const maxLinks = 40

// resolveInside follows the symbolic links along rel, a clean slash path
// inside fsys, and reports whether the file it leads to stays inside the
// root of fsys, and if not, where it leads. A link to an absolute path or
// past the root is outside. Missing files, loops (more than maxLinks links)
// and file systems without links count as inside: reading them reports
// what is wrong.
func resolveInside(fsys fs.FS, rel string) (string, bool) {
	parts := strings.Split(rel, "/")
	done := "."
	for links := 0; len(parts) > 0; {
		p := path.Join(done, parts[0])
		parts = parts[1:]
		fi, err := fs.Lstat(fsys, p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			done = p
			continue
		}
		target, err := fs.ReadLink(fsys, p)
		if err != nil {
			done = p
			continue
		}
		if links++; links > maxLinks {
			return p, true // a loop: reading it fails and says so
		}
		if path.IsAbs(target) || filepath.IsAbs(target) {
			return target, false
		}
		next := path.Join(path.Dir(p), filepath.ToSlash(target))
		if next == ".." || strings.HasPrefix(next, "../") {
			return next, false
		}
		parts = append(strings.Split(next, "/"), parts...)
		done = "."
	}
	return done, true
}
