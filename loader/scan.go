package loader

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"time"
)

// This file walks a rules directory once, reading every file it holds once:
// what it reads identifies the content of the tree (Hash, a Set's version)
// and, for rule files, is what the loader parses. Reading each file once
// keeps a reload to one pass over the disk, and the version it reports is
// the version of exactly the bytes parsed.

// scanned is one file met by a scan: what stands for it in the tree's hash,
// and its bytes when it could be read whole.
type scanned struct {
	path string // slash-separated, relative to the root
	// tag says what the file's sum covers: 'c' its content, 's' its size
	// and modification time (larger than Load reads), 'e' the error that
	// kept it from being read, 'l' its mode (a link to a directory, a
	// device, a socket: present, not read).
	tag byte
	sum [sha256.Size]byte
	// data is the content for 'c'; nil otherwise. It may be a little longer
	// than maxFileSize when the file grew while it was read.
	data []byte
	// err is the error for 'e': of the walk itself (an unreadable
	// directory), of following a link, of opening or of reading.
	err error
	// info is the file's FileInfo, links followed; nil for 'e'.
	info fs.FileInfo
	// link is true when the directory entry is a symbolic link.
	link bool
	// walkErr is true when err is the walk's: a directory that could not
	// be listed.
	walkErr bool
	// readAt is when the file was opened to be read.
	readAt time.Time
}

// scan walks the tree of fsys in lexical order and calls visit for every
// file Load could read: every file but those in hidden directories and
// hidden or editor's scratch files, with symbolic links followed to what
// they name. It returns the tree's hash, built as Hash documents it, and
// the error of a root that cannot be read at all (then visit is not
// called and the hash is "").
//
// reuse, when not nil, is asked about every regular file before it is
// read, with its FileInfo (links followed): a non-nil answer stands for
// the file, unread (see Cache).
func scan(fsys fs.FS, reuse func(p string, info fs.FileInfo) *scanned, visit func(f *scanned)) (string, error) {
	h := sha256.New()
	var rootErr error
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			if p == "." {
				rootErr = err
				return fs.SkipAll
			}
			f := &scanned{path: p, tag: 'e', err: err, walkErr: true}
			f.sum = sha256.Sum256([]byte(err.Error()))
			record(h, f)
			visit(f)
			return nil
		case p == ".":
			if !d.IsDir() {
				rootErr = errors.New("not a directory")
				return fs.SkipAll
			}
			return nil
		case ignored(d.Name()):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir():
			return nil
		}
		f := readScanned(fsys, p, reuse)
		f.link = d.Type()&fs.ModeSymlink != 0
		record(h, f)
		visit(f)
		return nil
	})
	if rootErr == nil {
		rootErr = err
	}
	if rootErr != nil {
		return "", rootErr
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// record adds a file to a tree hash: its path, its tag and its sum.
func record(h hash.Hash, f *scanned) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(f.path)))
	h.Write(n[:])
	h.Write([]byte(f.path))
	h.Write([]byte{f.tag})
	h.Write(f.sum[:])
}

// readScanned reads the file at p: its content when it is a regular file
// of at most maxFileSize bytes (links followed), else what stands for it.
// The size is checked on the open file, and the read is bounded anyway:
// Stat's size is not trusted. A file reuse answers for is not read.
func readScanned(fsys fs.FS, p string, reuse func(string, fs.FileInfo) *scanned) *scanned {
	f := &scanned{path: p}
	fail := func(err error) *scanned {
		f.tag, f.err, f.info, f.data = 'e', err, nil, nil
		f.sum = sha256.Sum256([]byte(err.Error()))
		return f
	}
	info, err := fs.Stat(fsys, p) // follows symbolic links
	if err != nil {
		return fail(err)
	}
	f.info = info
	if !info.Mode().IsRegular() {
		f.tag = 'l'
		f.sum = sha256.Sum256([]byte(info.Mode().String()))
		return f
	}
	if reuse != nil {
		if r := reuse(p, info); r != nil {
			return r
		}
	}
	f.readAt = time.Now()
	file, err := fsys.Open(p)
	if err != nil {
		return fail(err)
	}
	defer file.Close()
	if st, err := file.Stat(); err == nil {
		info = st
		f.info = st
	}
	if info.Size() > maxFileSize {
		f.tag = 's'
		f.sum = sha256.Sum256(fmt.Appendf(nil, "%d %d", info.Size(), info.ModTime().UnixNano()))
		return f
	}
	// Read into a buffer of the size Stat gave (and a little more, so that
	// the end is seen without growing it), as os.ReadFile does.
	var buf bytes.Buffer
	buf.Grow(int(max(info.Size(), 0)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(file, maxFileSize+1)); err != nil {
		return fail(err)
	}
	data := buf.Bytes()
	f.tag, f.data, f.sum = 'c', data, sha256.Sum256(data)
	return f
}

// Hash identifies the content of the rules directory dir: the first 64 bits,
// in hex, of a SHA-256 over the path and content of every file Load could
// read (every file of the tree but hidden ones and editors' backups, with
// symbolic links to files followed). Equal hashes mean equal content. A file
// that cannot be read counts with its error, so that it becoming readable is
// a change. The error is for a root that cannot be read at all.
//
// It is the Version a Cache reports for the same tree: a Cache computes it
// from the bytes it parses, in the same pass.
//
// Test-case and other files that are not rules count too: hashing a little
// more than needed costs a reload that changes nothing, while hashing too
// little would miss a change (a block's content file, say).
func Hash(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	st, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s: not a directory", dir)
	}
	return scan(os.DirFS(dir), nil, func(*scanned) {})
}
