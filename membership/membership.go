package membership

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on one value. A real shopper belongs to tens of segments; the limits
// are far above that and only stop a hostile or broken client from making a
// request expensive.
const (
	MaxIDs   = 1000    // most distinct segment ids in one value
	MaxBytes = 8 << 10 // longest raw value, in bytes, before decoding
)

// Sentinel errors for the limits, usable with errors.Is. Every error Decode
// returns is an *Error; these are what it wraps when a limit is hit.
var (
	ErrTooLarge = errors.New("value too large")
	ErrTooMany  = errors.New("too many segment ids")
)

// Error is a problem with an aep-segments-membership value.
type Error struct {
	// Msg says what is wrong, without the "aep-segments-membership: " prefix.
	Msg string
	// Err is ErrTooLarge, ErrTooMany, the JSON syntax error, or nil.
	Err error
}

// Error returns "aep-segments-membership: " followed by Msg.
func (e *Error) Error() string { return "aep-segments-membership: " + e.Msg }

// Unwrap returns the sentinel or the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

func errorf(cause error, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), Err: cause}
}

// Decode turns a raw aep-segments-membership value into segment ids.
//
// The value is percent-decoded once (a '+' stays a '+': segment ids never
// contain spaces, and the value is not form-encoded). If the decoded value
// starts with '[' it must be a JSON array of strings; otherwise it is a
// comma-separated list. A value that already starts with '[' before decoding
// is taken as an unencoded JSON array and is not percent-decoded, so a '%'
// inside its strings is kept as written.
//
// Each id is trimmed of white space; empty ids are dropped and duplicates
// removed, keeping the first-seen order. An empty or white-space-only value
// gives no ids (nil) and no error.
//
// Decode fails with an *Error when the value is longer than MaxBytes (it
// wraps ErrTooLarge), holds a malformed escape, is not valid UTF-8 once
// decoded, is a malformed JSON array or one with elements that are not
// strings, has more than MaxIDs distinct ids (it wraps ErrTooMany), or has an
// id with a control character. An id may also not contain a comma nor start
// with '[': such an id could not be written in the comma-separated form,
// and both forms must be able to say the same thing. Byte offsets in
// messages count from 0 in the raw value.
func Decode(raw string) ([]string, error) {
	if len(raw) > MaxBytes {
		return nil, errorf(ErrTooLarge, "value is %d bytes, more than the limit of %d", len(raw), MaxBytes)
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, nil
	}
	if s[0] != '[' {
		// Unescape raw rather than s so that offsets in errors are offsets
		// into what the client sent.
		u, err := unescape(raw)
		if err != nil {
			return nil, err
		}
		s = strings.TrimSpace(u)
	}
	if !utf8.ValidString(s) {
		return nil, errorf(nil, "value is not valid UTF-8 after percent-decoding")
	}
	if strings.HasPrefix(s, "[") {
		parts, err := jsonArray(s)
		if err != nil {
			return nil, err
		}
		return clean(parts)
	}
	return clean(strings.Split(s, ","))
}

// unescape undoes percent-encoding like url.PathUnescape, but reports where a
// malformed escape is and leaves '+' alone.
func unescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			end := min(i+3, len(s))
			return "", errorf(nil, "malformed percent-encoding at byte %d (%q): want '%%' followed by two hex digits", i, s[i:end])
		}
		b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
		i += 2
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// jsonArray reads s as a JSON array of strings.
func jsonArray(s string) ([]string, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(s), &elems); err != nil {
		return nil, errorf(err, "value starts with '[' but is not a valid JSON array: %v", err)
	}
	parts := make([]string, 0, len(elems))
	for i, e := range elems {
		if len(e) == 0 || e[0] != '"' {
			return nil, errorf(nil, "JSON array element %d is %s, want a string", i, kind(e))
		}
		var p string
		if err := json.Unmarshal(e, &p); err != nil {
			return nil, errorf(err, "JSON array element %d: %v", i, err)
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// kind names the JSON type of a syntactically valid value.
func kind(v json.RawMessage) string {
	if len(v) == 0 {
		return "empty"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// clean trims the ids, drops empties and duplicates, and checks each id and
// the count.
func clean(parts []string) ([]string, error) {
	var ids []string
	seen := make(map[string]struct{}, len(parts))
	for _, p := range parts {
		id := strings.TrimSpace(p)
		if id == "" {
			continue
		}
		if _, dup := seen[id]; dup {
			continue
		}
		if err := checkID(id); err != nil {
			return nil, err
		}
		if len(ids) == MaxIDs {
			return nil, errorf(ErrTooMany, "more than %d distinct segment ids", MaxIDs)
		}
		seen[id] = struct{}{}
		ids = append(ids, id)
	}
	return ids, nil
}

// checkID rejects what no segment id contains and what the comma-separated
// form could not carry.
func checkID(id string) error {
	for _, r := range id {
		if unicode.IsControl(r) {
			return errorf(nil, "segment id %q contains control character %U", id, r)
		}
	}
	if strings.Contains(id, ",") {
		return errorf(nil, "segment id %q contains a comma, which separates ids", id)
	}
	if id[0] == '[' {
		return errorf(nil, "segment id %q starts with '[', which would make a list read as a JSON array", id)
	}
	return nil
}

// Union returns a followed by the ids of b that a does not hold, keeping
// first-seen order: how a request's sources of membership (header or
// cookie, the body, the cart) are joined.
func Union(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	out := make([]string, 0, len(a)+len(b))
	for _, l := range [2][]string{a, b} {
		for _, s := range l {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
