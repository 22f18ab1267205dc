package corpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MaxLine bounds one corpus line, as the server bounds request bodies.
const MaxLine = 8 << 20

// Extensions of the files a corpus directory is read from; each may also
// end in .gz. Hidden files and files being written (.tmp) are skipped.
var Extensions = []string{".ndjson", ".jsonl"}

// LineError is a line that is not a cart at all.
type LineError struct {
	File string
	Line int
	Seq  int // the line's position in the corpus, as Entry.Seq
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Files lists the files of a corpus: path itself when it is a file, else
// the NDJSON files under it (any depth), sorted.
func Files(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != path && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && isCorpusFile(name) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	slices.Sort(files)
	return files, nil
}

func isCorpusFile(name string) bool {
	name = strings.TrimSuffix(name, ".gz")
	for _, ext := range Extensions {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// Scan reads every cart of the corpus at path (a file, or a directory of
// NDJSON files, plain or gzip) in order and calls fn with each, or with a
// *LineError for a line that is not a JSON object (blank lines are skipped).
// fn owns the entry it is given. Scan stops at the first error fn returns,
// or at a file that cannot be read, and returns it.
func Scan(path string, fn func(*Entry, error) error) error {
	files, err := Files(path)
	if err != nil {
		return err
	}
	seq := 0
	for _, name := range files {
		if err := scanFile(name, &seq, fn); err != nil {
			return err
		}
	}
	return nil
}

func scanFile(name string, seq *int, fn func(*Entry, error) error) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	r, err := maybeGzip(f)
	if err != nil {
		return fmt.Errorf("corpus: %s: %w", name, err)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e := &Entry{File: name, Line: n, Seq: *seq}
		*seq++
		var ferr error
		if err := parseLine(slices.Clone(line), e); err != nil {
			e, ferr = nil, &LineError{File: name, Line: n, Seq: e.Seq, Err: err}
		} else if e.ID == "" {
			e.ID = e.Where()
		}
		if err := fn(e, ferr); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line %d is longer than %d bytes", n+1, MaxLine)
		}
		return fmt.Errorf("corpus: %s: %w", name, err)
	}
	return nil
}

// maybeGzip returns a reader of f's content, decompressed when it starts
// with the gzip magic number, whatever its name.
func maybeGzip(f io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(f, 256<<10)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}
