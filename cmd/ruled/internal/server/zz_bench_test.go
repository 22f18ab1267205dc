package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

func BenchmarkZZServe(b *testing.B) {
	dir := os.Getenv("ZZ_DIR")
	if dir == "" {
		b.Skip()
	}
	s := New(Options{Compile: compileDir(dir), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if _, err := s.Reload(TriggerStart); err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	cart, _ := os.ReadFile(os.Getenv("ZZ_CART"))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/cart/evaluate", bytes.NewReader(cart))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
