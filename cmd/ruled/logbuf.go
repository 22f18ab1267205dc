package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBuffer batches the access log on its way out, as a web server's
// buffered access log does: one write per batch instead of one system call
// per request. A batch is written when it reaches maxLogBatch bytes, delay
// after its first line, at once with any other line (see batchAccess), and
// by Flush, which the server calls before it exits.
type logBuffer struct {
	w     io.Writer
	delay time.Duration

	mu      sync.Mutex
	buf     []byte
	pending bool // a timed flush is set
	timer   *time.Timer
}

const maxLogBatch = 64 << 10

func newLogBuffer(w io.Writer, delay time.Duration) *logBuffer {
	return &logBuffer{w: w, delay: delay}
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= maxLogBatch {
		return len(p), b.flushLocked()
	}
	if !b.pending {
		b.pending = true
		if b.timer == nil {
			b.timer = time.AfterFunc(b.delay, func() { _ = b.Flush() })
		} else {
			b.timer.Reset(b.delay)
		}
	}
	return len(p), nil
}

// Flush writes what is held.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *logBuffer) flushLocked() error {
	if b.pending {
		b.timer.Stop()
		b.pending = false
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	if cap(b.buf) > 4*maxLogBatch {
		b.buf = nil // one burst does not keep its memory
	} else {
		b.buf = b.buf[:0]
	}
	return err
}

// batchAccess holds access log lines (message "request", below warning)
// in a logBuffer and writes any other line at once, with what was held
// before it: the server's start, reloads and problems are never delayed.
type batchAccess struct {
	slog.Handler
	b *logBuffer
}

func (h batchAccess) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Message != "request" || r.Level >= slog.LevelWarn {
		if ferr := h.b.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h batchAccess) WithAttrs(as []slog.Attr) slog.Handler {
	return batchAccess{h.Handler.WithAttrs(as), h.b}
}

func (h batchAccess) WithGroup(name string) slog.Handler {
	return batchAccess{h.Handler.WithGroup(name), h.b}
}
