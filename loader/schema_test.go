package loader

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	yaml "go.yaml.in/yaml/v3"
)

// TestSchemaMatchesLoader: the schema describes every key the loader
// accepts and no other.
func TestSchemaMatchesLoader(t *testing.T) {
	if _, gaps := schemaDefs(); len(gaps) > 0 {
		t.Errorf("the schema and the loader's key tables differ:\n%s", strings.Join(gaps, "\n"))
	}
	if _, err := Schema("nope"); err == nil {
		t.Error(`Schema("nope") gave no error`)
	}
}

// TestSchemaValidatesTestdata validates every YAML file of the project's
// testdata directories against the schema with a JSON Schema validator
// (santhosh-tekuri/jsonschema, draft 2020-12, formats asserted), as an
// editor's YAML language server would: the files the loader accepts pass;
// the known-bad files of testdata/schema/bad, each rejected by the loader,
// are rejected by the schema too.
func TestSchemaValidatesTestdata(t *testing.T) {
	schemas := compileSchemas(t)
	bad := filepath.Join("testdata", "schema", "bad")
	// Files whose structure is wrong on purpose, for other tests.
	knownBad := map[string]string{
		"../cmd/ruled/testdata/broken/rules.yaml": "priorty",
	}
	n := 0
	for _, root := range []string{"../testdata", "../cmd/ruled/testdata", "testdata"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isYAMLName(p) {
				return err
			}
			n++
			verr := validateFile(t, schemas, p)
			switch {
			case strings.HasPrefix(p, bad+string(filepath.Separator)):
				if verr == nil {
					t.Errorf("%s: the schema accepts a known-bad file", p)
				}
				if diags := loadAlone(t, p); !diags.HasErrors() {
					t.Errorf("%s: the loader accepts a known-bad file", p)
				}
			case knownBad[filepath.ToSlash(p)] != "":
				if verr == nil || !strings.Contains(verr.Error(), knownBad[filepath.ToSlash(p)]) {
					t.Errorf("%s: want the schema to reject %s, got %v", p, knownBad[filepath.ToSlash(p)], verr)
				}
			case verr != nil:
				t.Errorf("%s: %v", p, verr)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 30 {
		t.Errorf("validated %d files: the walk missed the testdata", n)
	}
}

// TestSchemaDocuments checks documents the testdata has no file for.
func TestSchemaDocuments(t *testing.T) {
	schemas := compileSchemas(t)
	for _, tc := range []struct {
		kind, doc string
		ok        bool
	}{
		{"rules", `{cart_rules: [{id: vip-shoes, name: VIP, label: x, priority: 10, from: 2026-11-27, to: "2026-11-27T06:00:00-05:00",
		   customer_groups: [general], websites: base, coupon: [A, B], stop_further_rules: true, enabled: false,
		   when: 'audience("VIP Shoppers")', action: {type: by_percent, amount: 50, max_qty: "2", step: 1, apply_to_shipping: true,
		   free_shipping: shipment, items: '"shoes" in item.categories'}}],
		  placements: [{id: home.hero, rotation: random, limit: 1}],
		  blocks: [{id: b, name: B, placement: home.hero, content: x, data: {k: 1}, related_rules: [vip-shoes]}]}`, true},
		{"config", `{timezone: America/New_York, currency: USD, websites: {ca: {currency: CAD}}}`, true},
		{"test", `{cases: [{name: a, cart: {items: []}}, {name: b, placements: [home.hero], visitor_id: v, view: 3}]}`, true},
		{"test", `{name: a, cart: {items: [{sku: S, qty: 1}]}}`, false},
		{"test", `{name: a, cart: {}, expect: {totals: {grandtotal: 1}}}`, false},
		{"test", `{name: a, now: yesterday, cart: {}}`, false},
		{"rules", `{cart_rules: [{id: a, name: A, action: {type: by_percent, max_qty: -x}}]}`, false},
	} {
		inst := yamlInstance(t, []byte(tc.doc))
		err := schemas[tc.kind].Validate(inst)
		if (err == nil) != tc.ok {
			t.Errorf("%s %s: %v, want ok %v", tc.kind, tc.doc, err, tc.ok)
		}
		if err := schemas["all"].Validate(inst); (err == nil) != tc.ok {
			t.Errorf("all %s: %v, want ok %v", tc.doc, err, tc.ok)
		}
	}
}

// compileSchemas compiles Schema for each kind, and for all, through its
// JSON text, as an editor reads it.
func compileSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	out := map[string]*jsonschema.Schema{}
	for _, kind := range append([]string{"all"}, SchemaKinds...) {
		s, err := Schema(kind)
		if err != nil {
			t.Fatal(err)
		}
		text, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		url := "file:///ruled-" + kind + ".schema.json"
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		if out[kind], err = c.Compile(url); err != nil {
			t.Fatalf("the %s schema does not compile: %v", kind, err)
		}
	}
	return out
}

// validateFile validates the YAML file at p against the schema of its
// kind and against the schema of all files.
func validateFile(t *testing.T, schemas map[string]*jsonschema.Schema, p string) error {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	inst := yamlInstance(t, data)
	kind := "rules"
	switch base := filepath.Base(p); {
	case base == "ruled.yaml":
		kind = "config"
	case base == "audiences.yaml":
		kind = "audiences"
	case strings.HasSuffix(base, ".test.yaml") || strings.HasSuffix(base, ".test.yml"):
		kind = "test"
	}
	if err := schemas[kind].Validate(inst); err != nil {
		return fmt.Errorf("as a %s file: %w", kind, err)
	}
	if err := schemas["all"].Validate(inst); err != nil {
		return fmt.Errorf("against the schema of all files: %w", err)
	}
	return nil
}

// loadAlone loads the file at p as the only file of a rules directory.
func loadAlone(t *testing.T, p string) interface{ HasErrors() bool } {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := Load(dir)
	return diags
}

func isYAMLName(p string) bool {
	return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")
}

// yamlInstance turns a YAML document into the JSON value an editor's YAML
// language server validates: numbers stay numbers (as json.Number), and
// dates and other scalars that are not numbers, booleans or null are
// strings.
func yamlInstance(t *testing.T, data []byte) any {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	if doc.Kind == 0 {
		return nil
	}
	return yamlValue(&doc)
}

func yamlValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.MappingNode:
		// Merge keys (<<: *base) give the keys of the mappings merged,
		// under the mapping's own.
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.ShortTag() == "!!merge" {
				v := n.Content[i+1]
				merged := []*yaml.Node{v}
				if v.Kind == yaml.SequenceNode {
					merged = v.Content
				}
				for _, mv := range merged {
					if src, ok := yamlValue(mv).(map[string]any); ok {
						for mk, x := range src {
							if _, own := m[mk]; !own {
								m[mk] = x
							}
						}
					}
				}
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.ShortTag() != "!!merge" {
				m[k.Value] = yamlValue(n.Content[i+1])
			}
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			l[i] = yamlValue(c)
		}
		return l
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		var v any
		if err := json.Unmarshal([]byte(n.Value), &v); err == nil {
			return json.Number(n.Value)
		}
		return n.Value // .inf, 0x1F and the like: what JSON has no number for
	case "!!bool":
		return n.Value == "true"
	case "!!null":
		return nil
	}
	return n.Value
}
