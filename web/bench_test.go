package web

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkPages renders each page of the dashboard over the demo store.
func BenchmarkPages(b *testing.B) {
	h := demo(b)
	for _, path := range []string{"/ui/audiences", "/ui/rules", "/ui/playground", "/ui/status"} {
		b.Run(path[4:], func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("GET", path, nil)
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}
