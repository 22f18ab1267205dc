package loader

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// This file watches a rules directory and says when its content may have
// changed. It never maps events onto files: any event under the tree only
// marks it dirty; after the burst settles the caller is told, and reads the
// tree again. That one rule covers editors that save by rename, Kubernetes
// ConfigMap mounts (whose ..data symlink is swapped without an event for
// the files linked through it), git checkouts and half-written files alike.
//
// The watch does not read the files itself: whether anything changed is
// for the caller's load to say (a Cache reads every file once per load,
// hashes it, parses only the changed ones, and reports the tree's Version;
// an equal version is no change). Hashing here as well would read every
// file twice per change. The reload itself, and the decision to keep the
// last good rule set when the new one is broken, belong to the caller.

// WatchOptions tune Watch. The zero value is the production setting.
type WatchOptions struct {
	// Quiet is how long the tree must be free of events before it is
	// rescanned (default 250ms).
	Quiet time.Duration
	// MaxWait bounds the wait for quiet, so that a steady trickle of events
	// cannot put a rescan off for ever (default 2s).
	MaxWait time.Duration
	// Rescan is the interval of the periodic rescan (the caller is told to
	// read the tree again), the safety net for file systems without
	// notifications (NFS, FUSE, some bind mounts) and for lost events
	// (default 1m). With Poll it is the poll interval.
	Rescan time.Duration
	// Poll, when set, uses no file notifications at all: the caller is told
	// to read the tree every Rescan.
	Poll bool
	// Files, when set, names files outside the tree whose changes count as
	// changes of it (a key set the rules' settings point to). It is asked
	// when the watch starts and again after every onChange, since what the
	// tree says may name other files; the directory of each is watched
	// (not only the file: editors and Kubernetes mounts replace files by
	// rename). Files inside the tree are watched with it already.
	Files func() []string
	// OnError, when set, is told of problems that do not stop the watch: a
	// directory that could not be watched, an overflowing event queue (a
	// rescan follows at once). It is called from the watch's goroutines.
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
// may have changed: after events that can change content settle (see
// WatchOptions; a chmod or an editor's scratch file is no such event), on
// an event queue overflow, and at every periodic rescan. onChange reads the
// tree and decides by content (see Cache, Stats.Version): a rescan, or a
// file written again with the same bytes, is no change. onChange runs on
// one goroutine, never concurrently with itself; events that arrive while
// it runs are coalesced into at most one more call.
//
// Watch returns once the watch is in place: load the rule set after Watch
// returns (or call onChange once), and no change can fall between the load
// and the watch. The error is for a directory that cannot be read or a
// watch that cannot be set up (inotify limits, say); fall back to Poll
// then. Watching stops when ctx is done; the returned channel is closed
// once every goroutine has ended and the notifications are released.
func Watch(ctx context.Context, dir string, opt WatchOptions, onChange func()) (<-chan struct{}, error) {
	opt.defaults()
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("watch %s: not a directory", dir)
	}
	w := &watcher{dir: dir, opt: opt, onChange: onChange, kick: make(chan struct{}, 1)}
	if !opt.Poll {
		var err error
		if w.fsw, err = fsnotify.NewWatcher(); err != nil {
			return nil, fmt.Errorf("watch %s: %w", dir, err)
		}
		if err := w.fsw.Add(dir); err != nil {
			w.fsw.Close()
			return nil, fmt.Errorf("watch %s: %w", dir, err)
		}
		w.addTree(dir)
		w.follow()
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
	extra    map[string]bool   // directories watched for Files; the worker's alone
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
			if ev.Has(fsnotify.Create) && w.inTree(ev.Name) {
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

// work calls onChange on each kick. A tree that cannot be read is told
// too: the caller's reload fails and reports it, and keeps the last good
// set.
func (w *watcher) work() {
	for range w.kick {
		if w.fsw != nil {
			// Directories may have appeared while events were lost, or
			// between a Create and its Add; watching them again is cheap.
			w.addTree(w.dir)
		}
		w.onChange()
		if w.fsw != nil {
			w.follow()
		}
	}
}

// follow watches the directories of the files of WatchOptions.Files that
// lie outside the tree, and stops watching those no longer named. A
// directory that does not exist (yet) is tried again after the next
// onChange; the periodic rescan covers it meanwhile.
func (w *watcher) follow() {
	if w.opt.Files == nil {
		return
	}
	root, err := filepath.Abs(w.dir)
	if err != nil {
		root = w.dir
	}
	want := map[string]bool{}
	for _, f := range w.opt.Files() {
		if f == "" {
			continue
		}
		d, err := filepath.Abs(filepath.Dir(f))
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(root, d); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue // inside the tree: watched with it
		}
		want[d] = true
	}
	for d := range w.extra {
		if !want[d] {
			_ = w.fsw.Remove(d)
			delete(w.extra, d)
		}
	}
	for d := range want {
		if w.extra[d] {
			continue
		}
		if err := w.fsw.Add(d); err != nil {
			if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fsnotify.ErrClosed) {
				w.opt.OnError(fmt.Errorf("watch %s: %w", d, err))
			}
			continue
		}
		if w.extra == nil {
			w.extra = map[string]bool{}
		}
		w.extra[d] = true
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

// inTree reports whether p, a path of an event, lies in the watched tree
// rather than in the directory of one of WatchOptions.Files.
func (w *watcher) inTree(p string) bool {
	rel, err := filepath.Rel(w.dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
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
