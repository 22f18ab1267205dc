// Command bare is the yardstick of wrk.sh: a bare net/http server whose
// only handler reads the cart body, decodes it with encoding/json into
// the cart contract's shape, and answers 200. ruled serve's throughput is
// reported as a share of this one's, measured in the same run.
//
//	bare -addr 127.0.0.1:0    # prints "listening on HOST:PORT"
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// cart is the body of POST /v1/cart/evaluate, numbers kept as text.
type cart struct {
	Website  string `json:"website"`
	Currency string `json:"currency"`
	Now      string `json:"now"`
	Customer struct {
		ID    string `json:"id"`
		Group string `json:"group"`
	} `json:"customer"`
	CouponCode *string  `json:"coupon_code"`
	Segments   []string `json:"segments"`
	Items      []struct {
		SKU        string         `json:"sku"`
		Name       string         `json:"name"`
		Qty        json.Number    `json:"qty"`
		Price      json.Number    `json:"price"`
		Weight     json.Number    `json:"weight"`
		Categories []string       `json:"categories"`
		Attributes map[string]any `json:"attributes"`
	} `json:"items"`
	Shipping struct {
		Method   string      `json:"method"`
		Amount   json.Number `json:"amount"`
		Country  string      `json:"country"`
		Region   string      `json:"region"`
		Postcode string      `json:"postcode"`
	} `json:"shipping"`
	Payment struct {
		Method string `json:"method"`
	} `json:"payment"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "bare:", err)
		return 2
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/cart/evaluate", func(w http.ResponseWriter, r *http.Request) {
		var c cart
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"lines":%d}`, len(c.Items))
	})
	srv := &http.Server{Handler: mux, ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(stderr, "bare:", err)
		return 1
	}
	return 0
}
