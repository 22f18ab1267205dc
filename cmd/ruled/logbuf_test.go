package main

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the timer's goroutine.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

func TestLogBuffer(t *testing.T) {
	out := &syncBuffer{}
	b := newLogBuffer(out, 50*time.Millisecond)
	log := slog.New(batchAccess{slog.NewJSONHandler(b, nil), b})
	for i := range 10 {
		log.Info("request", "n", i)
	}
	if s, _ := out.String(); s != "" {
		t.Fatalf("info lines written before the delay: %q", s)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, writes := out.String()
		if strings.Count(s, "\n") == 10 {
			if writes != 1 {
				t.Errorf("10 lines in %d writes, want 1", writes)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lines not written after the delay: %q", s)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Any other line goes out at once, with what was held before it, and
	// so does a request logged as a warning.
	log.Info("request", "n", "held")
	log.Info("reloaded")
	if s, _ := out.String(); !strings.Contains(s, `"n":"held"`) || !strings.Contains(s, `"msg":"reloaded"`) {
		t.Fatalf("other line not written at once: %q", s)
	}
	log.Warn("request", "status", 500)
	if s, _ := out.String(); !strings.Contains(s, `"status":500`) {
		t.Fatalf("warning not written at once: %q", s)
	}

	// A full batch goes out without waiting; Flush writes the rest.
	long := strings.Repeat("x", 1000)
	for range maxLogBatch/1000 + 1 {
		log.Info("request", "big", long)
	}
	s, _ := out.String()
	if strings.Count(s, `"big":`) == 0 {
		t.Fatal("a full batch was held")
	}
	log.Info("request", "last", true)
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if s, _ := out.String(); !strings.HasSuffix(s, "\"last\":true}\n") {
		t.Fatalf("Flush did not write the rest: ...%q", s[max(0, len(s)-80):])
	}
}
