package membership_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ruled/ruled/membership"
)

func FuzzDecode(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add(tt.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ids, err := membership.Decode(raw)
		if err != nil {
			return
		}
		if len(ids) > membership.MaxIDs {
			t.Fatalf("Decode(%q) gave %d ids", raw, len(ids))
		}
		seen := map[string]bool{}
		for _, id := range ids {
			switch {
			case id == "":
				t.Fatalf("Decode(%q) gave an empty id: %q", raw, ids)
			case id != strings.TrimSpace(id):
				t.Fatalf("Decode(%q) gave an untrimmed id %q", raw, id)
			case seen[id]:
				t.Fatalf("Decode(%q) gave id %q twice", raw, id)
			case !utf8.ValidString(id):
				t.Fatalf("Decode(%q) gave invalid UTF-8 id %q", raw, id)
			case strings.IndexFunc(id, unicode.IsControl) >= 0:
				t.Fatalf("Decode(%q) gave id %q with a control character", raw, id)
			}
			seen[id] = true
		}

		// The comma-joined ids are a value that says the same thing. A '%'
		// in an id must be written %25 in that value, as any client would.
		again := strings.ReplaceAll(strings.Join(ids, ","), "%", "%25")
		if len(again) > membership.MaxBytes {
			return
		}
		got, err := membership.Decode(again)
		if err != nil {
			t.Fatalf("Decode(%q) = %q, but decoding %q again: %v", raw, ids, again, err)
		}
		if !slices.Equal(got, ids) {
			t.Fatalf("Decode(%q) = %q, but decoding %q again gave %q", raw, ids, again, got)
		}
	})
}
