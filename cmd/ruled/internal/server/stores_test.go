package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make schemas

	"github.com/ruled/ruled/store"
	"github.com/ruled/ruled/store/postgres"
	"github.com/ruled/ruled/store/sqlite"
)

// testStore is a real usage store for the order tests, and how to make it
// unreachable.
type testStore struct {
	name string
	open func(t testing.TB) (st store.Store, down func(), up func())
}

// testStores are SQLite, always, and PostgreSQL when RULED_TEST_POSTGRES
// names a server (CI sets it; there a missing server fails the test).
// down makes the store unreachable; up, when not nil, brings it back.
func testStores() []testStore {
	return []testStore{
		{"sqlite", func(t testing.TB) (store.Store, func(), func()) {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "usage.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			// Closing the pools under the server: every query fails.
			return st, func() { st.Close() }, nil
		}},
		{"postgres", openPostgres},
	}
}

// openPostgres opens a store in a schema of its own on the test server,
// reached through a TCP proxy that down closes (with every connection
// through it) and up opens again on the same port.
func openPostgres(t testing.TB) (store.Store, func(), func()) {
	base := os.Getenv("RULED_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RULED_TEST_POSTGRES is not set: .ci/run starts a PostgreSQL server for this test")
		}
		t.Skip("RULED_TEST_POSTGRES is not set: no PostgreSQL server to test against")
	}
	schema := "s_" + strings.ToLower(rand.Text()[:12])
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
	px := startProxy(t, u.Host, "127.0.0.1:0")
	u.Host = px.addr
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, px.stop, func() { px = startProxy(t, px.target, px.addr) }
}

// proxy forwards TCP connections to target until stopped.
type proxy struct {
	ln           net.Listener
	addr, target string
	mu           sync.Mutex
	conns        []net.Conn
	stopped      bool
}

func startProxy(t testing.TB, target, addr string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, addr: ln.Addr().String(), target: target}
	t.Cleanup(p.stop)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.stopped {
				c.Close()
				s.Close()
			}
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

// stop closes the listener and every connection through it.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
