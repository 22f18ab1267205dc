package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make a schema

	"github.com/ruled/ruled/store/postgres"
)

// TestReplicasShareLimits runs two `ruled serve` over one PostgreSQL and
// places 1,000 orders across them at once for a coupon of 100 uses:
// exactly 100 get the discount. Needs RULED_TEST_POSTGRES (CI sets it).
func TestReplicasShareLimits(t *testing.T) {
	base := os.Getenv("RULED_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RULED_TEST_POSTGRES is not set: .ci/run starts a PostgreSQL server for this test")
		}
		t.Skip("RULED_TEST_POSTGRES is not set: no PostgreSQL server to test against")
	}
	schema := "r_" + strings.ToLower(rand.Text()[:12])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsn := u.String()

	dir := t.TempDir()
	rulesYAML := "cart_rules:\n  - id: first-100\n    name: First 100\n    coupon: FIRST\n    uses_per_coupon: 100\n    action: {type: by_percent, amount: 10}\n"
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(rulesYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	a := serve(t, "--rules", dir, "--store", dsn, "--watch", "off")
	b := serve(t, "--rules", dir, "--store", dsn, "--watch", "off")

	var discounted, refused atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range 1000 {
		target := a.url
		if i%2 == 1 {
			target = b.url
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			body := fmt.Sprintf(`{"order_id": "o-%d", "cart": {"coupon_code": "first", "items": [{"sku": "A", "qty": 1, "price": "10.00"}]}}`, i)
			resp, err := http.Post(target+"/v1/orders", "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var res struct{ Totals struct{ Discount string } }
			json.NewDecoder(resp.Body).Decode(&res)
			switch {
			case resp.StatusCode == http.StatusConflict:
				refused.Add(1)
			case resp.StatusCode == http.StatusCreated && res.Totals.Discount == "1.00":
				discounted.Add(1)
			case resp.StatusCode != http.StatusCreated:
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	usage, err := st.Usage(context.Background(), "first-100", "first", "")
	if err != nil || discounted.Load() != 100 || usage.CouponUses != 100 {
		t.Errorf("%d orders discounted (%d refused), %d uses counted (%v); want 100", discounted.Load(), refused.Load(), usage.CouponUses, err)
	}
}
