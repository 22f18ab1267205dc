package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// BenchmarkEvaluateHTTP is one evaluation through the whole handler (request
// id, membership header, body, decode, evaluate, encode, metrics, access
// log), without the network.
func BenchmarkEvaluateHTTP(b *testing.B) {
	s, _ := start(b, Options{})
	h := s.Handler()
	cart, err := os.ReadFile(demo + "/carts/vip-shoes.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/cart/evaluate", bytes.NewReader(cart))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("aep-segments-membership", vipID)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkBlocksHTTP chooses the blocks of every demo placement for a
// shopper without a cart, through the whole handler.
func BenchmarkBlocksHTTP(b *testing.B) {
	s, _ := start(b, Options{})
	h := s.Handler()
	body := []byte(`{"placements": ["home.hero", "cart.promo-strip", "product.tips", "category.banner"], "visitor_id": "v-17", "view": 3}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/blocks", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("aep-segments-membership", vipID)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
