package engine

import "sync"

// A server answers an evaluation and forgets it; Release lets the next
// evaluation reuse the Result and its lines instead of allocating them, so
// that a steady stream of requests gives the garbage collector less to do.

var results sync.Pool // *Result, released

// maxPooledResult bounds the lines a released Result may keep.
const maxPooledResult = 1024

// Release hands r back for a later evaluation to reuse: r, its Items and
// AppliedRules slices, its Segments and Audiences. Call it at most once,
// and only when nothing will read r or those slices again; the strings r
// held stay valid. Releasing is optional: a Result that is not released is
// collected as usual.
func (r *Result) Release() {
	if r == nil || cap(r.Items) > maxPooledResult || cap(r.AppliedRules) > maxPooledResult {
		return
	}
	items, applied := r.Items[:cap(r.Items)], r.AppliedRules[:cap(r.AppliedRules)]
	segs, auds := r.Segments[:cap(r.Segments)], r.Audiences[:cap(r.Audiences)]
	clear(items) // drop what they refer to
	clear(applied)
	clear(segs)
	clear(auds)
	*r = Result{Items: items[:0], AppliedRules: applied[:0], Segments: segs[:0], Audiences: auds[:0]}
	results.Put(r)
}

// newResult is an empty Result, a released one when there is one.
func newResult() *Result {
	if r, ok := results.Get().(*Result); ok {
		return r
	}
	return &Result{}
}

// reuse returns s with n zeroed elements, in s's memory when it has room;
// never nil.
func reuse[T any](s []T, n int) []T {
	if s == nil || cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}
