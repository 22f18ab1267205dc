package corpus

import (
	"bufio"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriterOptions configure a Writer.
type WriterOptions struct {
	// Dir receives the files; it is created when missing.
	Dir string
	// Prefix starts every file name (default "carts").
	Prefix string
	// MaxBytes is how many bytes of carts (before compression) a file
	// holds before the next one starts (default DefaultMaxBytes).
	MaxBytes int64
	// MaxAge is how long a file stays open before the next one starts
	// (default DefaultMaxAge).
	MaxAge time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Defaults of WriterOptions.
const (
	DefaultMaxBytes = 64 << 20
	DefaultMaxAge   = time.Hour
)

// Writer writes NDJSON lines into gzip files rotated by size and age. A
// file is written under a hidden temporary name and renamed to
// PREFIX-YYYYMMDDTHHMMSSZ-WRITER-SEQ.ndjson.gz (WRITER random) only once it is complete and
// synced, so a reader never sees half a file. A Writer is for one goroutine.
type Writer struct {
	opt     WriterOptions
	f       *os.File
	buf     *bufio.Writer
	gz      *gzip.Writer
	tmp     string // the open file's temporary name
	final   string // and the name it gets when closed
	opened  time.Time
	written int64
	files   []string // completed, in order
	id      string   // random, per Writer: names never collide across restarts
	seq     int      // of files opened
}

// NewWriter returns a Writer into opt.Dir; no file is opened before the
// first line.
func NewWriter(opt WriterOptions) (*Writer, error) {
	if opt.Prefix == "" {
		opt.Prefix = "carts"
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.MaxAge <= 0 {
		opt.MaxAge = DefaultMaxAge
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	return &Writer{opt: opt, id: hex.EncodeToString(rnd[:])}, nil
}

// Write appends one line (a newline is added). It starts a new file first
// when the open one is full or old enough.
func (w *Writer) Write(line []byte) error {
	if w.f != nil && (w.written+int64(len(line))+1 > w.opt.MaxBytes || w.opt.Now().Sub(w.opened) >= w.opt.MaxAge) {
		if err := w.finish(); err != nil {
			return err
		}
	}
	if w.f == nil {
		if err := w.open(); err != nil {
			return err
		}
	}
	if _, err := w.gz.Write(line); err != nil {
		return w.fail(err)
	}
	if _, err := w.gz.Write([]byte{'\n'}); err != nil {
		return w.fail(err)
	}
	w.written += int64(len(line)) + 1
	return nil
}

// RotateIfOld completes the open file when it has been open for MaxAge,
// so that an idle recording still makes its carts readable.
func (w *Writer) RotateIfOld() error {
	if w.f == nil || w.opt.Now().Sub(w.opened) < w.opt.MaxAge {
		return nil
	}
	return w.finish()
}

// Close completes the open file, if any.
func (w *Writer) Close() error {
	if w.f == nil {
		return nil
	}
	return w.finish()
}

// Files returns the files completed so far, in order.
func (w *Writer) Files() []string { return append([]string(nil), w.files...) }

func (w *Writer) open() error {
	now := w.opt.Now().UTC()
	w.seq++
	base := fmt.Sprintf("%s-%s-%s-%04d.ndjson.gz", w.opt.Prefix, now.Format("20060102T150405Z"), w.id, w.seq)
	w.final = filepath.Join(w.opt.Dir, base)
	w.tmp = filepath.Join(w.opt.Dir, "."+base+".tmp")
	f, err := os.OpenFile(w.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	w.f, w.opened, w.written = f, w.opt.Now(), 0
	w.buf = bufio.NewWriterSize(f, 64<<10)
	w.gz = gzip.NewWriter(w.buf)
	return nil
}

// finish closes the gzip stream, syncs the file and renames it to its
// final name, then syncs the directory.
func (w *Writer) finish() error {
	err := w.gz.Close()
	if err == nil {
		err = w.buf.Flush()
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.tmp, w.final)
	}
	w.f = nil
	if err != nil {
		_ = os.Remove(w.tmp)
		return fmt.Errorf("corpus: writing %s: %w", w.final, err)
	}
	w.files = append(w.files, w.final)
	if d, err := os.Open(w.opt.Dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// fail abandons the open file after a write error.
func (w *Writer) fail(err error) error {
	_ = w.f.Close()
	_ = os.Remove(w.tmp)
	w.f = nil
	return fmt.Errorf("corpus: writing %s: %w", strings.TrimPrefix(filepath.Base(w.tmp), "."), err)
}

// WriteFile writes data to name atomically: a temporary file in the same
// directory, synced, then renamed. The data is gzip-compressed when name
// ends in .gz.
func WriteFile(name string, write func(w *bufio.Writer) error) (err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o644); err != nil { // CreateTemp makes it private
		return err
	}
	buf := bufio.NewWriterSize(f, 64<<10)
	var gz *gzip.Writer
	out := buf
	if strings.HasSuffix(name, ".gz") {
		gz = gzip.NewWriter(buf)
		out = bufio.NewWriterSize(gz, 64<<10)
	}
	if err = write(out); err != nil {
		return err
	}
	if gz != nil {
		if err = out.Flush(); err != nil {
			return err
		}
		if err = gz.Close(); err != nil {
			return err
		}
	}
	if err = buf.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), name); err != nil {
		return errors.Join(err, os.Remove(f.Name()))
	}
	return nil
}
