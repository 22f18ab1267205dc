package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make schemas

	"github.com/ruled/ruled/store"
	"github.com/ruled/ruled/store/postgres"
	"github.com/ruled/ruled/store/storetest"
)

// dsn is the test server, from RULED_TEST_POSTGRES. In CI (CI=true) a
// missing server fails the tests; elsewhere they are skipped.
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv("RULED_TEST_POSTGRES")
	if d == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RULED_TEST_POSTGRES is not set: .ci/run starts a PostgreSQL server for these tests")
		}
		t.Skip("RULED_TEST_POSTGRES is not set: no PostgreSQL server to test against")
	}
	return d
}

// open returns a store in a schema of its own, dropped after the test.
func open(t testing.TB) store.Store {
	t.Helper()
	base := dsn(t)
	ctx := context.Background()
	schema := "t_" + strings.ToLower(rand.Text()[:12])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

func BenchmarkPlace(b *testing.B) { storetest.Bench(b, open(b)) }
