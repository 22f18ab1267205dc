package loader

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// This file watches a rules directory and says when its content changed.
// It never maps events onto files: any event under the tree only marks it
// dirty; after the burst settles the whole tree is hashed, and a different
// hash is a change. That one rule covers editors that save by rename,
// Kubernetes ConfigMap mounts (whose ..data symlink is swapped without an
// event for the files linked through it), git checkouts and half-written
// files alike. The reload itself, and the decision to keep the last good
// rule set when the new one is broken, belong to the caller.

// WatchOptions tune Watch. The zero value is the production setting.
type WatchOptions struct {
	// Quiet is how long the tree must be free of events before it is
	// rescanned (default 250ms).
	Quiet time.Duration
	// MaxWait bounds the wait for quiet, so that a steady trickle of events
	// cannot put a rescan off for ever (default 2s).
	MaxWait time.Duration
	// Rescan is the interval of the periodic full rescan, the safety net for
	// file systems without notifications (NFS, FUSE, some bind mounts) and
	// for lost events (default 1m). With Poll it is the poll interval.
	Rescan time.Duration
	// Poll, when set, uses no file notifications at all: the tree is hashed
	// every Rescan.
	Poll bool
	// OnError, when set, is told of problems that do not stop the watch: a
	// directory that could not be watched, an overflowing event queue (a
	// rescan follows at once), a tree that could not be hashed. It is called
	// from the watch's goroutines.
	OnError func(error)
}

// Defaults of WatchOptions.
const (
	DefaultQuiet   = 250 * time.Millisecond
	DefaultMaxWait = 2 * time.Second
	DefaultRescan  = time.Minute
)

func (o *WatchOptions) defaults() {
	if o.Quiet <= 0 {
		o.Quiet = DefaultQuiet
	}
	if o.MaxWait < o.Quiet {
		o.MaxWait = max(DefaultMaxWait, o.Quiet)
	}
	if o.Rescan <= 0 {
		o.Rescan = DefaultRescan
	}
	if o.OnError == nil {
		o.OnError = func(error) {}
	}
}

// Watch watches the rules directory dir, with every directory below it
// (those created later too), and calls onChange when the content of the tree
// has changed: after events settle (see WatchOptions), on an event queue
// overflow, and when the periodic rescan finds a different Hash. onChange
// runs on one goroutine, never concurrently with itself; events that arrive
// while it runs are coalesced into at most one more call.
//
// Watch returns once the watch is in place and the tree's current content is
// its baseline: load the rule set after Watch returns, and no change can fall
// between the load and the watch. The error is for a directory that cannot
// be read or a watch that cannot be set up (inotify limits, say); fall back
// to Poll then. Watching stops when ctx is done; the returned channel is
// closed once every goroutine has ended and the notifications are released.
func Watch(ctx context.Context, dir string, opt WatchOptions, onChange func()) (<-chan struct{}, error) {
	opt.defaults()
	base, err := Hash(dir)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	w := &watcher{dir: dir, opt: opt, onChange: onChange, last: base, kick: make(chan struct{}, 1)}
	if !opt.Poll {
		if w.fsw, err = fsnotify.NewWatcher(); err != nil {
			return nil, fmt.Errorf("watch %s: %w", dir, err)
		}
		if err := w.fsw.Add(dir); err != nil {
			w.fsw.Close()
			return nil, fmt.Errorf("watch %s: %w", dir, err)
		}
		w.addTree(dir)
	}
	done := make(chan struct{})
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		w.work()
	}()
	go func() {
		defer close(done)
		w.loop(ctx)
		close(w.kick)
		<-workerDone
	}()
	return done, nil
}

// watcher is the state of one Watch.
type watcher struct {
	dir      string
	opt      WatchOptions
	onChange func()
	fsw      *fsnotify.Watcher // nil when polling
	kick     chan struct{}     // asks the worker for a rescan; capacity 1, so requests coalesce
	last     string            // the hash of the last content seen; the worker's alone
}

// loop turns events, the debounce timer and the rescan ticker into kicks
// until ctx is done, then releases the notifications.
func (w *watcher) loop(ctx context.Context) {
	tick := time.NewTicker(w.opt.Rescan)
	defer tick.Stop()
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	defer quiet.Stop()
	var events <-chan fsnotify.Event
	var errs <-chan error
	if w.fsw != nil {
		events, errs = w.fsw.Events, w.fsw.Errors
		defer w.close()
	}
	var dirty bool
	var deadline time.Time // of the current burst: MaxWait after its first event
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if !w.relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				w.addIfDir(ev.Name)
			}
			now := time.Now()
			if !dirty {
				dirty, deadline = true, now.Add(w.opt.MaxWait)
			}
			quiet.Reset(min(w.opt.Quiet, deadline.Sub(now)))
		case err, ok := <-errs:
			if !ok {
				return
			}
			w.opt.OnError(fmt.Errorf("watch %s: %w", w.dir, err))
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				dirty = false
				quiet.Stop()
				w.request()
			}
		case <-quiet.C:
			dirty = false
			w.request()
		case <-tick.C:
			w.request()
		}
	}
}

// request asks the worker for a rescan without waiting: a request already
// pending covers this one.
func (w *watcher) request() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// work rescans on each kick and calls onChange when the hash differs.
func (w *watcher) work() {
	for range w.kick {
		if w.fsw != nil {
			// Directories may have appeared while events were lost, or
			// between a Create and its Add; watching them again is cheap.
			w.addTree(w.dir)
		}
		h, err := Hash(w.dir)
		if err != nil {
			w.opt.OnError(fmt.Errorf("watch %s: %w", w.dir, err))
			// A tree that cannot be read is a change too: the caller's
			// reload will fail and report it, and keep the last good set.
			h = "unreadable: " + err.Error()
		}
		if h == w.last {
			continue
		}
		w.last = h
		w.onChange()
	}
}

// relevant drops what never changes content: events that are only Chmod
// (indexers, backup tools, and Linux on removing an open file) and editors'
// scratch files. Hidden names are not dropped: ..data is how a ConfigMap
// mount changes.
func (w *watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod || ev.Op == 0 {
		return false
	}
	return !scratch(filepath.Base(ev.Name))
}

// scratch reports whether base is an editor's swap, backup, lock or probe
// file.
func scratch(base string) bool {
	for _, suf := range []string{"~", ".swp", ".swx", ".swpx"} {
		if strings.HasSuffix(base, suf) {
			return true
		}
	}
	return base == "4913" || strings.HasPrefix(base, ".#") ||
		(len(base) > 1 && strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"))
}

// addIfDir watches p and the directories below it when p is a directory
// that Load would read: new subdirectories are watched as they appear.
func (w *watcher) addIfDir(p string) {
	info, err := os.Lstat(p)
	if err != nil || !info.IsDir() || ignored(info.Name()) {
		return
	}
	w.addTree(p)
}

// addTree watches root and every directory below it that Load would read:
// not hidden ones (.git, a ConfigMap's ..2026_… data directories, whose
// changes show as events on the ..data link at the top) and not symbolic
// links, which Load does not follow.
//
// The walk goes through os.DirFS, as Load's does, so that a root that is
// itself a symbolic link (--rules /etc/ruled) is entered.
func (w *watcher) addTree(root string) {
	fs.WalkDir(os.DirFS(root), ".", func(rel string, d fs.DirEntry, err error) error {
		p := filepath.Join(root, filepath.FromSlash(rel))
		switch {
		case err != nil:
			if rel != "." && !errors.Is(err, fs.ErrNotExist) {
				w.opt.OnError(fmt.Errorf("watch %s: %w", p, err))
			}
			return nil
		case !d.IsDir():
			return nil
		case rel != "." && ignored(d.Name()):
			return fs.SkipDir
		}
		// A directory gone since the walk saw it, or a watcher closed by
		// shutdown while the worker rescans, is nothing to report.
		if err := w.fsw.Add(p); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fsnotify.ErrClosed) {
			w.opt.OnError(fmt.Errorf("watch %s: %w", p, err))
		}
		return nil
	})
}

// close releases the notifications, draining the channels meanwhile (a
// full channel must not block the close).
func (w *watcher) close() {
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		events, errs := w.fsw.Events, w.fsw.Errors
		for events != nil || errs != nil {
			select {
			case _, ok := <-events:
				if !ok {
					events = nil
				}
			case _, ok := <-errs:
				if !ok {
					errs = nil
				}
			}
		}
	}()
	w.fsw.Close()
	<-drained
}

// Hash identifies the content of the rules directory dir: the first 64 bits,
// in hex, of a SHA-256 over the path and content of every file Load could
// read (every file of the tree but hidden ones and editors' backups, with
// symbolic links to files followed). Equal hashes mean equal content. A file
// that cannot be read counts with its error, so that it becoming readable is
// a change. The error is for a root that cannot be read at all.
//
// Test-case and other files that are not rules count too: hashing a little
// more than needed costs a reload that changes nothing, while hashing too
// little would miss a change.
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
	fsys := os.DirFS(dir)
	h := sha256.New()
	record := func(p string, tag byte, data []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(data)))
		h.Write([]byte(p))
		h.Write([]byte{0, tag})
		h.Write(n[:])
		h.Write(data)
	}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			if p == "." {
				return err
			}
			record(p, 'e', []byte(err.Error()))
			return nil
		case p == ".":
			return nil
		case ignored(d.Name()):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir():
			return nil
		}
		tag, data := hashFile(fsys, p)
		record(p, tag, data)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// hashFile returns what stands for the file at p in a Hash: its content ('c'),
// its size and modification time when it is larger than Load reads ('s'),
// or its error ('e'). Links to directories and other non-regular files
// count as present ('l'), as Load only warns about them.
func hashFile(fsys fs.FS, p string) (byte, []byte) {
	info, err := fs.Stat(fsys, p) // follows symbolic links
	switch {
	case err != nil:
		return 'e', []byte(err.Error())
	case !info.Mode().IsRegular():
		return 'l', []byte(info.Mode().String())
	case info.Size() > maxFileSize:
		return 's', fmt.Appendf(nil, "%d %d", info.Size(), info.ModTime().UnixNano())
	}
	f, err := fsys.Open(p)
	if err != nil {
		return 'e', []byte(err.Error())
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return 'e', []byte(err.Error())
	}
	return 'c', data
}
