package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// bare decodes both carts wrk.sh posts and refuses what is not a cart.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, nil, pw, io.Discard) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url := "http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening on ")) + "/v1/cart/evaluate"
	demo, err := os.ReadFile("../../testdata/demo-cart-20.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, body string
		want       int
	}{
		{"demo cart", string(demo), http.StatusOK},
		{"generated shape", `{"items": [{"sku": "a", "qty": 2, "price": "19.99", "weight": 0.5, "attributes": {"brand": "x"}}], "coupon_code": "SAVE10"}`, http.StatusOK},
		{"unknown field", `{"itemz": []}`, http.StatusBadRequest},
		{"not JSON", `{`, http.StatusBadRequest},
	} {
		resp, err := http.Post(url, "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
}
