package server

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitCart(t *testing.T) {
	tests := []struct {
		name, body string
		taken      map[string]string
		rest       string
		err        string
	}{
		{"no placement fields: the body as is", `{ "items" : [] , "now": null }`, map[string]string{}, `{ "items" : [] , "now": null }`, ""},
		{"all three", `{"placements": ["a"], "items": [], "visitor_id": "v", "website": "ca", "view": 3}`,
			map[string]string{"placements": `["a"]`, "visitor_id": `"v"`, "view": `3`}, `{"items":[],"website":"ca"}`, ""},
		{"only placement fields", `{"view": 1}`, map[string]string{"view": "1"}, `{}`, ""},
		{"cart duplicates kept for the decoder", `{"view": 1, "now": 1, "now": 2}`, map[string]string{"view": "1"}, `{"now":1,"now":2}`, ""},
		{"odd names re-escaped", `{"view": 1, "a\"<b": 1}`, map[string]string{"view": "1"}, `{"a\"\u003cb":1}`, ""},
		{"malformed: whole", `{"view": 1,`, nil, `{"view": 1,`, ""},
		{"not an object: whole", `[{"view": 1}]`, nil, `[{"view": 1}]`, ""},
		{"data after: whole", `{"view": 1} {}`, nil, `{"view": 1} {}`, ""},
		{"duplicate placement field", `{"view": 1, "view": 2}`, nil, "", "view: duplicate field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			taken, rest, err := splitCart([]byte(tt.body))
			if got := errText(err); got != tt.err {
				t.Fatalf("error %q, want %q", got, tt.err)
			}
			var got map[string]string
			if taken != nil {
				got = map[string]string{}
				for k, v := range taken {
					got[k] = string(v)
				}
			}
			if diff := cmp.Diff(tt.taken, got); diff != "" {
				t.Errorf("taken (-want +got):\n%s", diff)
			}
			if string(rest) != tt.rest {
				t.Errorf("rest %s, want %s", rest, tt.rest)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FuzzSplitCart: whatever the body, splitting takes exactly the placement
// fields and leaves every other member, in order and byte for byte, for
// the cart decoder; a body it takes nothing from is passed on unchanged.
func FuzzSplitCart(f *testing.F) {
	carts, _ := filepath.Glob(demo + "/carts/*.json")
	for _, p := range carts {
		data, _ := os.ReadFile(p)
		f.Add(data)
		f.Add(bytes.Replace(data, []byte("{"), []byte(`{"placements": ["home.hero"], "view": 2, "visitor_id": "v",`), 1))
	}
	f.Add([]byte(`{"view": 1, "view": 2}`))
	f.Add([]byte(`{"placements": null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		taken, rest, err := splitCart(body)
		if err != nil {
			return
		}
		before, ok := members(body)
		if !ok || len(taken) == 0 {
			if !bytes.Equal(rest, body) {
				t.Fatalf("nothing taken, yet the body changed:\n%s\n%s", body, rest)
			}
			return
		}
		after, ok := members(rest)
		if !ok {
			t.Fatalf("rest is not a JSON object: %s", rest)
		}
		var want []member
		for _, m := range before {
			if slices.Contains(placementFields, m.name) {
				if !bytes.Equal(taken[m.name], m.value) {
					t.Errorf("%s taken as %s, written %s", m.name, taken[m.name], m.value)
				}
				continue
			}
			want = append(want, m)
		}
		if diff := cmp.Diff(want, after, cmp.AllowUnexported(member{}), cmp.Comparer(func(a, b json.RawMessage) bool { return bytes.Equal(a, b) })); diff != "" {
			t.Errorf("members left (-want +got):\n%s", diff)
		}
		if again, _, _ := splitCart(rest); len(again) != 0 {
			t.Errorf("rest still has %v", again)
		}
	})
}
