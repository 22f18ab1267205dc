package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestSchema(t *testing.T) {
	code, out, errs := runCLI(t, "", "schema")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	// Every $ref resolves, and every object says which keys it allows.
	defs := s["$defs"].(map[string]any)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				if _, ok := defs[strings.TrimPrefix(r, "#/$defs/")]; !ok {
					t.Errorf("%s: $ref %s names nothing", path, r)
				}
			}
			if v["type"] == "object" && v["properties"] != nil && v["additionalProperties"] != false {
				t.Errorf("%s: object allows unknown keys", path)
			}
			for k, x := range v {
				walk(path+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", path, i), x)
			}
		}
	}
	walk("#", s)
	for _, kind := range []string{"rules", "audiences", "config", "test"} {
		code, out, _ := runCLI(t, "", "schema", "--file", kind)
		if code != exitOK || !strings.Contains(out, `"$ref": "#/$defs/`) {
			t.Errorf("schema --file %s: exit %d", kind, code)
		}
	}
}
