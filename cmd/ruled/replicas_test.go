package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make a schema

	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/store/postgres"
)

const replicaRules = `cart_rules:
  - id: first-100
    name: First 100
    coupon: FIRST
    uses_per_coupon: 100
    action: {type: by_percent, amount: 10}
  - id: again
    name: Again
    coupon: AGAIN
    uses_per_coupon: 5
    action: {type: by_fixed, amount: 2}
`

// TestReplicasShareLimits builds the ruled binary and runs two `ruled
// serve` processes over one PostgreSQL database. 1,000 orders placed at
// once across both for a coupon of 100 uses: exactly 100 get the
// discount and the store counts 100; the others lose the race (409
// limit_exceeded naming the coupon's uses) or, priced after the coupon
// was spent, are placed without it (201, no discount). The same order id
// sent to both processes at once counts once. Needs RULED_TEST_POSTGRES
// (CI sets it).
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

	bin := buildRuled(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(replicaRules), 0o644); err != nil {
		t.Fatal(err)
	}
	replicas := []string{
		startProcess(t, bin, "serve", "--rules", dir, "--store", dsn, "--watch", "off"),
		startProcess(t, bin, "serve", "--rules", dir, "--store", dsn, "--watch", "off"),
	}

	type answer struct {
		status   int
		code     string // error.code
		message  string // error.message
		discount string // totals.discount
		replayed bool
		body     string
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	post := func(target, body string) answer {
		resp, err := client.Post(target+"/v1/orders", "application/json", strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return answer{}
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var v struct {
			Totals struct{ Discount string }
			Error  struct{ Code, Message string }
		}
		json.Unmarshal(data, &v)
		return answer{resp.StatusCode, v.Error.Code, v.Error.Message, v.Totals.Discount, resp.Header.Get("Idempotent-Replayed") == "true", string(data)}
	}
	cart := func(id, code string) string {
		return fmt.Sprintf(`{"order_id": %q, "cart": {"coupon_code": %q, "items": [{"sku": "A", "qty": 1, "price": "10.00"}]}}`, id, code)
	}

	const orders, limit = 1000, 100
	answers := make([]answer, orders)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			answers[i] = post(replicas[i%2], cart(fmt.Sprint("o-", i), "first"))
		}()
	}
	wg.Wait()
	var discounted, refused, without int
	for i, a := range answers {
		switch {
		case a.status == http.StatusCreated && a.discount == "1.00":
			discounted++
		case a.status == http.StatusConflict && a.code == "limit_exceeded" && strings.Contains(a.message, "coupon first used 100 of 100 times"):
			refused++
		case a.status == http.StatusCreated && a.discount == "0.00":
			without++
		default:
			t.Errorf("order %d: %d %s", i, a.status, a.body)
		}
	}
	t.Logf("%d orders discounted, %d refused (409), %d placed without the spent coupon", discounted, refused, without)
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	usage, err := st.Usage(context.Background(), "first-100", "first", "")
	if err != nil || discounted != limit || usage.CouponUses != limit || usage.Redemptions != limit || !usage.Discount.Equal(money.MustParse("100")) {
		t.Errorf("%d orders discounted; the store counts %d uses, %d redemptions, %s given (%v); want %d, and 100.00 given", discounted, usage.CouponUses, usage.Redemptions, usage.Discount, err, limit)
	}

	// One order id sent ten times at once, five times to each process.
	replays := make([]answer, 10)
	for i := range replays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replays[i] = post(replicas[i%2], cart("same", "again"))
		}()
	}
	wg.Wait()
	first := 0
	for i, a := range replays {
		if a.status != http.StatusCreated || a.discount != "2.00" || a.body != replays[0].body {
			t.Errorf("replay %d: %d %s; want 201 with the first answer", i, a.status, a.body)
		}
		if !a.replayed {
			first++
		}
	}
	again, err := st.Usage(context.Background(), "again", "again", "")
	if err != nil || first != 1 || again.CouponUses != 1 || again.Redemptions != 1 {
		t.Errorf("one order id placed %d times as new; the store counts %d uses (%v); want once", first, again.CouponUses, err)
	}
}

// buildRuled builds the ruled binary into a temporary directory.
func buildRuled(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ruled")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs `bin serve --addr 127.0.0.1:0 --log-format json
// args...` as a process of its own and returns its URL once it listens;
// the test's cleanup stops it with SIGTERM.
func startProcess(t *testing.T, bin string, args ...string) string {
	t.Helper()
	args = append([]string{args[0], "--addr", "127.0.0.1:0", "--log-format", "json"}, args[1:]...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	log := &serveLog{addr: make(chan string, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			log.Write(sc.Bytes())
		}
	}()
	exited := make(chan error, 1)
	go func() {
		<-done
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("ruled serve did not stop within 20s of SIGTERM\n%s", log)
		}
	})
	select {
	case addr := <-log.addr:
		return "http://" + addr
	case err := <-exited:
		t.Fatalf("ruled serve exited (%v) before listening\n%s", err, log)
	case <-time.After(30 * time.Second):
		t.Fatalf("ruled serve did not listen within 30s\n%s", log)
	}
	return ""
}
