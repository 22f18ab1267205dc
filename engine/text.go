package engine

// text gathers the strings of one Result in a single buffer and makes them
// with one allocation: each is a slice of one string (the Result keeps the
// whole buffer alive, which it would use anyway).
type text struct {
	b     []byte
	spans []textSpan
}

type textSpan struct {
	dst      *string
	from, to int
}

// mark starts the next string at the end of the buffer.
func (t *text) mark() int { return len(t.b) }

// set makes *dst the bytes appended since from, once flush runs.
func (t *text) set(dst *string, from int) {
	t.spans = append(t.spans, textSpan{dst: dst, from: from, to: len(t.b)})
}

// flush writes every string and empties t, so it keeps no pointer into
// the Result.
func (t *text) flush() {
	all := string(t.b)
	for _, sp := range t.spans {
		*sp.dst = all[sp.from:sp.to]
	}
	clear(t.spans)
	t.b, t.spans = t.b[:0], t.spans[:0]
}
