package server

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadPooledBody reads bodies of declared and undeclared length, under
// and over the limit, into pooled buffers that earlier, longer bodies have
// used: each read is the body exactly, and a body over the limit is 413
// whether or not its length was declared.
func TestReadPooledBody(t *testing.T) {
	const limit = 3000
	long := strings.Repeat("x", 2000)
	tests := []struct {
		name     string
		body     string
		declared bool
		status   int // 0: read
	}{
		{"declared", long, true, 0},
		{"undeclared, past the first buffer", long, false, 0},
		{"empty", "", true, 0},
		{"short after a long one", "{}", false, 0},
		{"at the limit", strings.Repeat("y", limit), false, 0},
		{"over, declared", strings.Repeat("z", limit+1), true, 413},
		{"over, undeclared", strings.Repeat("z", limit+1), false, 413},
	}
	for round := range 2 {
		for _, tt := range tests {
			var r io.Reader = strings.NewReader(tt.body)
			if !tt.declared {
				r = io.MultiReader(r) // hides the length from httptest
			}
			req := httptest.NewRequest("POST", "/v1/cart/evaluate", r)
			if !tt.declared && req.ContentLength > 0 {
				t.Fatalf("%s: length declared", tt.name)
			}
			b, aerr := readPooledBody(httptest.NewRecorder(), req, limit)
			switch {
			case tt.status != 0:
				if aerr == nil || aerr.status != tt.status {
					t.Errorf("round %d, %s: %v, want status %d", round, tt.name, aerr, tt.status)
				}
			case aerr != nil:
				t.Errorf("round %d, %s: %v", round, tt.name, aerr.Message)
			case !bytes.Equal(b.data, []byte(tt.body)):
				t.Errorf("round %d, %s: read %d bytes %.20q…, want %d", round, tt.name, len(b.data), b.data, len(tt.body))
			}
			b.release()
		}
	}
}
