package membership_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/membership"
)

// decodeTests is the contract of Decode, and the seed corpus of FuzzDecode.
var decodeTests = []struct {
	name    string
	raw     string
	want    []string
	wantErr string // the whole message; "" when Decode succeeds
	is      error  // a sentinel the error must wrap, if any
}{
	{name: "empty", raw: "", want: nil},
	{name: "white space only", raw: " \t\n ", want: nil},
	{name: "one id", raw: "a1b2", want: []string{"a1b2"}},
	{name: "comma list", raw: "a,b,c", want: []string{"a", "b", "c"}},
	{name: "encoded comma list", raw: "a%2Cb%2cc", want: []string{"a", "b", "c"}},
	{name: "ids trimmed", raw: " a , b\t,\nc ", want: []string{"a", "b", "c"}},
	{name: "encoded spaces trimmed", raw: "%20a%20%2C%09b", want: []string{"a", "b"}},
	{name: "empties dropped", raw: ",a,,b,", want: []string{"a", "b"}},
	{name: "only separators", raw: ", ,,", want: nil},
	{name: "encodes to nothing", raw: "%20%20", want: nil},
	{name: "duplicates dropped in first-seen order", raw: "b,a,b,c,a", want: []string{"b", "a", "c"}},
	{name: "duplicates after trimming", raw: "a, a ,a", want: []string{"a"}},
	{name: "ids are case sensitive", raw: "a,A", want: []string{"a", "A"}},
	{name: "plus is literal", raw: "a+b,c", want: []string{"a+b", "c"}},
	{name: "encoded plus", raw: "a%2Bb", want: []string{"a+b"}},
	{name: "encoded percent decoded once", raw: "a%2541", want: []string{"a%41"}},
	{name: "utf-8", raw: "caf%C3%A9,%E2%82%AC", want: []string{"café", "€"}},
	{
		name: "uuids",
		raw:  "0d8f2a1c-5b7e-4c39-9d1a-2f6e8b3c4a50,7c1e9b2d-3f4a-4e8b-a6c5-d0b1e2f3a4b5",
		want: []string{"0d8f2a1c-5b7e-4c39-9d1a-2f6e8b3c4a50", "7c1e9b2d-3f4a-4e8b-a6c5-d0b1e2f3a4b5"},
	},

	// JSON arrays.
	{name: "encoded JSON array", raw: "%5B%22a%22%2C%22b%22%5D", want: []string{"a", "b"}},
	{name: "encoded JSON array with spaces", raw: "%20%5B%20%22a%22%20%2C%20%22b%22%20%5D%20", want: []string{"a", "b"}},
	{name: "unencoded JSON array", raw: `["a","b"]`, want: []string{"a", "b"}},
	{name: "unencoded JSON array keeps percent", raw: `["50%off"]`, want: []string{"50%off"}},
	{name: "JSON array trimmed, empties and duplicates dropped", raw: `[" a ","","b","a"]`, want: []string{"a", "b"}},
	{name: "JSON empty array", raw: `[]`, want: nil},
	{name: "JSON escapes", raw: `["caf\u00e9"]`, want: []string{"café"}},
	{
		name:    "JSON malformed",
		raw:     `["a",]`,
		wantErr: `aep-segments-membership: value starts with '[' but is not a valid JSON array: invalid character ']' looking for beginning of value`,
	},
	{
		name:    "JSON trailing data",
		raw:     `["a"] x`,
		wantErr: `aep-segments-membership: value starts with '[' but is not a valid JSON array: invalid character 'x' after top-level value`,
	},
	{
		name:    "encoded JSON malformed",
		raw:     "%5B%22a",
		wantErr: `aep-segments-membership: value starts with '[' but is not a valid JSON array: unexpected end of JSON input`,
	},
	{name: "JSON number element", raw: `["a",1]`, wantErr: `aep-segments-membership: JSON array element 1 is a number, want a string`},
	{name: "JSON null element", raw: `[null]`, wantErr: `aep-segments-membership: JSON array element 0 is null, want a string`},
	{name: "JSON nested array", raw: `[["a"]]`, wantErr: `aep-segments-membership: JSON array element 0 is an array, want a string`},
	{name: "JSON object element", raw: `[{"id":"a"}]`, wantErr: `aep-segments-membership: JSON array element 0 is an object, want a string`},
	{name: "JSON boolean element", raw: `[true]`, wantErr: `aep-segments-membership: JSON array element 0 is a boolean, want a string`},

	// Percent-encoding.
	{
		name:    "malformed escape",
		raw:     "a,b,c,defgh,%zz",
		wantErr: `aep-segments-membership: malformed percent-encoding at byte 12 ("%zz"): want '%' followed by two hex digits`,
	},
	{
		name:    "truncated escape",
		raw:     "ab%4",
		wantErr: `aep-segments-membership: malformed percent-encoding at byte 2 ("%4"): want '%' followed by two hex digits`,
	},
	{
		name:    "lone percent",
		raw:     "a%",
		wantErr: `aep-segments-membership: malformed percent-encoding at byte 1 ("%"): want '%' followed by two hex digits`,
	},
	{
		name:    "offset counts leading space",
		raw:     "  a%g1",
		wantErr: `aep-segments-membership: malformed percent-encoding at byte 3 ("%g1"): want '%' followed by two hex digits`,
	},
	{
		name:    "invalid UTF-8",
		raw:     "a%FFb",
		wantErr: `aep-segments-membership: value is not valid UTF-8 after percent-decoding`,
	},

	// Ids.
	{
		name:    "control character",
		raw:     "a%00b",
		wantErr: `aep-segments-membership: segment id "a\x00b" contains control character U+0000`,
	},
	{
		name:    "inner tab",
		raw:     "a\tb",
		wantErr: `aep-segments-membership: segment id "a\tb" contains control character U+0009`,
	},
	{
		name:    "JSON control character",
		raw:     `["a\u007fb"]`,
		wantErr: `aep-segments-membership: segment id "a\x7fb" contains control character U+007F`,
	},
	{
		name:    "JSON id with comma",
		raw:     `["a,b"]`,
		wantErr: `aep-segments-membership: segment id "a,b" contains a comma, which separates ids`,
	},
	{
		name:    "id starting with bracket",
		raw:     "a,[b",
		wantErr: `aep-segments-membership: segment id "[b" starts with '[', which would make a list read as a JSON array`,
	},

	// Limits.
	{name: "1000 ids", raw: ids(1000), want: idList(1000)},
	{name: "1000 ids and duplicates", raw: ids(1000) + ",0,1,2", want: idList(1000)},
	{
		name:    "1001 ids",
		raw:     ids(1001),
		wantErr: `aep-segments-membership: more than 1000 distinct segment ids`,
		is:      membership.ErrTooMany,
	},
	{name: "8 KiB", raw: strings.Repeat("a", 8192), want: []string{strings.Repeat("a", 8192)}},
	{
		name:    "over 8 KiB",
		raw:     strings.Repeat("a", 8193),
		wantErr: `aep-segments-membership: value is 8193 bytes, more than the limit of 8192`,
		is:      membership.ErrTooLarge,
	},
}

// idList returns the ids "0" to "n-1".
func idList(n int) []string {
	var l []string
	for i := range n {
		l = append(l, strconv.Itoa(i))
	}
	return l
}

// ids returns the ids "0" to "n-1" as a comma-separated value.
func ids(n int) string { return strings.Join(idList(n), ",") }

func TestDecode(t *testing.T) {
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := membership.Decode(tt.raw)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Decode(%q) = %q, want error %q", tt.raw, got, tt.wantErr)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("Decode(%q) error:\n got %s\nwant %s", tt.raw, err, tt.wantErr)
				}
				var e *membership.Error
				if !errors.As(err, &e) {
					t.Errorf("Decode(%q) error is %T, want *membership.Error", tt.raw, err)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("Decode(%q) error does not wrap %v", tt.raw, tt.is)
				}
				if got != nil {
					t.Errorf("Decode(%q) returned ids %q with an error", tt.raw, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.raw, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%q) mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

// TestDecodeLimitsAreDistinct checks that the two limits are told apart.
func TestDecodeLimitsAreDistinct(t *testing.T) {
	_, err := membership.Decode(strings.Repeat("a", membership.MaxBytes+1))
	if errors.Is(err, membership.ErrTooMany) {
		t.Errorf("size error %v wraps ErrTooMany", err)
	}
	_, err = membership.Decode(ids(membership.MaxIDs + 1))
	if errors.Is(err, membership.ErrTooLarge) {
		t.Errorf("count error %v wraps ErrTooLarge", err)
	}
}

func TestUnion(t *testing.T) {
	got := membership.Union([]string{"a", "b", "a"}, []string{"c", "b", "d"})
	if strings.Join(got, ",") != "a,b,c,d" {
		t.Errorf("Union = %v", got)
	}
	if got := membership.Union(nil, nil); got == nil || len(got) != 0 {
		t.Errorf("Union(nil, nil) = %#v, want an empty list", got)
	}
}
