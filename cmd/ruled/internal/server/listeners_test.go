package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSplitListeners serves decisions and operators' endpoints apart, as
// ruled serve --admin-addr does, over real listeners.
func TestSplitListeners(t *testing.T) {
	s := New(Options{Compile: compileDir(demo), Now: func() time.Time { return demoNow }})
	if _, err := s.Reload(TriggerStart); err != nil {
		t.Fatal(err)
	}
	main, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	const token = "an-admin-token-of-some-length"
	go func() { done <- s.ServeSplit(ctx, main, admin, token, Timeouts{}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeSplit: %v", err)
		}
	}()
	pub, adm := "http://"+main.Addr().String(), "http://"+admin.Addr().String()
	bearer := []string{"Authorization", "Bearer " + token}

	tests := []struct {
		method, url, body string
		header            []string
		want              int
	}{
		{"POST", pub + "/v1/cart/evaluate", vipCart, nil, 200},
		{"POST", pub + "/v1/blocks", `{"placements": []}`, nil, 200},
		{"POST", pub + "/graphql", `{"query": "{ __typename }"}`, nil, 200},
		{"GET", pub + "/healthz", "", nil, 200},
		{"GET", pub + "/readyz", "", nil, 200},
		{"POST", pub + "/v1/reload", "", nil, 404},
		{"GET", pub + "/v1/status", "", nil, 404},
		{"GET", pub + "/metrics", "", nil, 404},
		{"GET", pub + "/v1/rules", "", nil, 404},
		{"GET", pub + "/v1/audiences", "", nil, 404},
		{"GET", pub + "/v1/blocks", "", nil, 405},
		{"GET", pub + "/ui/", "", nil, 404},
		{"GET", pub + "/", "", nil, 404},

		{"GET", adm + "/v1/status", "", nil, 401},
		{"GET", adm + "/v1/status", "", []string{"Authorization", "Bearer wrong"}, 401},
		{"GET", adm + "/healthz", "", nil, 200},
		{"GET", adm + "/v1/status", "", bearer, 200},
		{"GET", adm + "/metrics", "", bearer, 200},
		{"GET", adm + "/v1/rules", "", bearer, 200},
		{"GET", adm + "/v1/blocks", "", bearer, 200},
		{"POST", adm + "/v1/reload", "", bearer, 200},
		{"GET", adm + "/ui/", "", bearer, 200},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.method, strings.TrimPrefix(strings.TrimPrefix(tt.url, pub), adm)), func(t *testing.T) {
			code, _, v := call(t, tt.method, tt.url, jsonType, tt.body, tt.header...)
			if code != tt.want {
				t.Errorf("status %d, want %d: %v", code, tt.want, v)
			}
		})
	}

	// GraphQL's listings show files and lines too: only on the admin address.
	for _, field := range []string{"rules { id file }", "audiences { name }", "placements { id }", "blocks { id file }"} {
		q := `{"query": "{ ` + field + ` }"}`
		_, _, v := call(t, "POST", pub+"/graphql", jsonType, q)
		if errs, _ := v["errors"].([]any); len(errs) == 0 || !strings.Contains(fmt.Sprint(errs[0]), "admin address only") {
			t.Errorf("%s on the main address: %v", field, v)
		}
		_, _, v = call(t, "POST", adm+"/graphql", jsonType, q, bearer...)
		if v["errors"] != nil || v["data"] == nil {
			t.Errorf("%s on the admin address: %v", field, v)
		}
	}
}

func TestRequestLimits(t *testing.T) {
	_, ts := start(t, Options{MaxItems: 3, MaxSegments: 2})
	items := strings.Repeat(`{"sku": "A", "qty": 1, "price": "1.00"},`, 4)
	tests := []struct {
		name, url, body string
		header          []string
		field           string
	}{
		{"malformed query", "/v1/cart/evaluate?explain=%ZZ", vipCart, nil, "query"},
		{"malformed query, graphql", "/graphql?x=%ZZ", `{"query": "{ __typename }"}`, nil, ""},
		{"too many items", "/v1/cart/evaluate", `{"items": [` + strings.TrimSuffix(items, ",") + `]}`, nil, "items"},
		{"too many segments", "/v1/cart/evaluate", `{"segments": ["a", "b"]}`, []string{"aep-segments-membership", "c"}, "segments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, v := call(t, "POST", ts.URL+tt.url, jsonType, tt.body, tt.header...)
			if code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %v", code, v)
			}
			if tt.field == "" {
				return
			}
			e, _ := v["error"].(map[string]any)
			if e["field"] != tt.field {
				t.Errorf("error %v: want field %s", e, tt.field)
			}
		})
	}
}
