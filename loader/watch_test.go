package loader

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustHash(t *testing.T, dir string) string {
	t.Helper()
	h, err := Hash(dir)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	return h
}

func TestHash(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "rules.yaml"), "cart_rules: []\n")
	base := mustHash(t, dir)
	if len(base) != 16 {
		t.Errorf("Hash = %q, want 16 hex digits", base)
	}
	if again := mustHash(t, dir); again != base {
		t.Errorf("Hash changed without a change: %s, then %s", base, again)
	}

	// What Load never reads does not count.
	write(t, filepath.Join(dir, ".rules.yaml.swp"), "x")
	write(t, filepath.Join(dir, "rules.yaml~"), "x")
	write(t, filepath.Join(dir, "4913"), "")
	write(t, filepath.Join(dir, ".git", "HEAD"), "ref: refs/heads/main\n")
	if h := mustHash(t, dir); h != base {
		t.Errorf("hidden and backup files changed the hash")
	}

	steps := []struct {
		name string
		do   func()
	}{
		{"content", func() { write(t, filepath.Join(dir, "rules.yaml"), "cart_rules: [] # edited\n") }},
		{"new file in a subdirectory", func() { write(t, filepath.Join(dir, "sub", "more.yaml"), "cart_rules: []\n") }},
		{"renamed file", func() {
			if err := os.Rename(filepath.Join(dir, "sub", "more.yaml"), filepath.Join(dir, "sub", "other.yaml")); err != nil {
				t.Fatal(err)
			}
		}},
		{"removed file", func() {
			if err := os.Remove(filepath.Join(dir, "sub", "other.yaml")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	var hashes []string
	prev := base
	for _, s := range steps {
		s.do()
		h := mustHash(t, dir)
		if h == prev {
			t.Errorf("%s did not change the hash", s.name)
		}
		prev = h
		hashes = append(hashes, h)
	}
	// The hash is of content alone: removing the file added brings back the
	// hash of the tree before it was added (an empty directory is nothing).
	if hashes[3] != hashes[0] {
		t.Errorf("after adding and removing a file the hash is %s, want %s as before", hashes[3], hashes[0])
	}

	if _, err := Hash(filepath.Join(dir, "nope")); err == nil {
		t.Error("Hash of a missing directory: no error")
	}
	if _, err := Hash(filepath.Join(dir, "rules.yaml")); err == nil {
		t.Error("Hash of a file: no error")
	}
}

// configMap lays dir out as Kubernetes mounts a ConfigMap: every file is a
// link through ..data to a timestamped directory.
func configMap(t *testing.T, dir, stamp string, files map[string]string) {
	t.Helper()
	data := filepath.Join(dir, stamp)
	for name, content := range files {
		write(t, filepath.Join(data, name), content)
	}
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(stamp, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		link := filepath.Join(dir, name)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHashConfigMap(t *testing.T) {
	dir := t.TempDir()
	configMap(t, dir, "..2026_01_01_00_00_00.1", map[string]string{"rules.yaml": "cart_rules: []\n"})
	before := mustHash(t, dir)
	configMap(t, dir, "..2026_01_02_00_00_00.2", map[string]string{"rules.yaml": "cart_rules: [] # v2\n"})
	if after := mustHash(t, dir); after == before {
		t.Error("swapping ..data did not change the hash")
	}
}

// watching starts a watch of dir with short timings and no periodic rescan
// to speak of, so that what it sees it saw through notifications. Its
// onChange loads the tree through a Cache, as a server does, and reports a
// change when the version read differs from the last one: calls counts
// onChange's calls, changes the new versions.
func watching(t *testing.T, dir string, opt WatchOptions) (changes <-chan struct{}, calls *atomic.Int32) {
	t.Helper()
	if opt.Quiet == 0 {
		opt.Quiet = 20 * time.Millisecond
	}
	if opt.MaxWait == 0 {
		opt.MaxWait = 200 * time.Millisecond
	}
	if opt.Rescan == 0 {
		opt.Rescan = time.Hour
	}
	opt.OnError = func(err error) { t.Logf("watch: %v", err) }
	ch := make(chan struct{}, 100)
	calls = new(atomic.Int32)
	var cache Cache
	var mu sync.Mutex
	last := "" // the version last loaded
	load := func() bool {
		mu.Lock()
		defer mu.Unlock()
		_, _, st, _ := cache.Load(dir)
		changed := st.Version != last
		last = st.Version
		return changed
	}
	// The baseline: nothing changes between this load and the watch.
	load()
	ctx, cancel := context.WithCancel(context.Background())
	done, err := Watch(ctx, dir, opt, func() {
		calls.Add(1)
		if load() {
			ch <- struct{}{}
		}
	})
	if err != nil {
		cancel()
		t.Fatalf("Watch: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("watch did not stop within 5s of its context ending")
		}
	})
	return ch, calls
}

func waitChange(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no change reported within 5s", what)
	}
}

// settle waits until no change has been reported for a while: a step that
// the watch saw as two bursts (on a slow machine) must not leak its second
// change into the next step.
func settle(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		case <-time.After(100 * time.Millisecond):
			return
		}
	}
}

func noChange(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s: reported as a change", what)
	case <-time.After(150 * time.Millisecond):
	}
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	write(t, rules, "cart_rules: []\n")
	configMap(t, filepath.Join(dir, "mounted"), "..2026_01_01_00_00_00.1", map[string]string{"promo.yaml": "cart_rules: []\n"})
	ch, _ := watching(t, dir, WatchOptions{})

	steps := []struct {
		name   string
		do     func()
		change bool
	}{
		{"write in place", func() { write(t, rules, "cart_rules: [] # 1\n") }, true},
		{"save by rename", func() {
			tmp := filepath.Join(dir, ".rules.yaml.4f2a")
			write(t, tmp, "cart_rules: [] # 2\n")
			if err := os.Rename(tmp, rules); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"vim's save", func() {
			probe := filepath.Join(dir, "4913")
			write(t, probe, "")
			os.Remove(probe)
			if err := os.Rename(rules, rules+"~"); err != nil {
				t.Fatal(err)
			}
			write(t, rules, "cart_rules: [] # 3\n")
			os.Remove(rules + "~")
		}, true},
		{"new subdirectory with a file", func() {
			write(t, filepath.Join(dir, "seasonal", "deep", "summer.yaml"), "cart_rules: []\n")
		}, true},
		{"file in the new subdirectory", func() {
			write(t, filepath.Join(dir, "seasonal", "deep", "winter.yaml"), "cart_rules: []\n")
		}, true},
		{"remove a file", func() {
			if err := os.Remove(filepath.Join(dir, "seasonal", "deep", "summer.yaml")); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"ConfigMap ..data swap", func() {
			configMap(t, filepath.Join(dir, "mounted"), "..2026_01_02_00_00_00.2", map[string]string{"promo.yaml": "cart_rules: [] # v2\n"})
			os.RemoveAll(filepath.Join(dir, "mounted", "..2026_01_01_00_00_00.1"))
		}, true},
		{"chmod only", func() {
			if err := os.Chmod(rules, 0o600); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"editor scratch files only", func() {
			write(t, filepath.Join(dir, ".rules.yaml.swp"), "swap")
			write(t, filepath.Join(dir, "rules.yaml~"), "backup")
		}, false},
		{"rewrite with the same content", func() { write(t, rules, "cart_rules: [] # 3\n") }, false},
	}
	for _, s := range steps {
		s.do()
		if s.change {
			waitChange(t, ch, s.name)
			settle(ch)
		} else {
			noChange(t, ch, s.name)
		}
	}
}

// TestWatchLinkedRoot watches a rules directory given as a symbolic link
// (--rules /etc/ruled): its subdirectories are watched too.
func TestWatchLinkedRoot(t *testing.T) {
	real := t.TempDir()
	write(t, filepath.Join(real, "sub", "rules.yaml"), "cart_rules: []\n")
	link := filepath.Join(t.TempDir(), "rules")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	ch, _ := watching(t, link, WatchOptions{})
	write(t, filepath.Join(real, "sub", "rules.yaml"), "cart_rules: [] # edited\n")
	waitChange(t, ch, "write in a subdirectory of a linked root")
}

func TestWatchDebounce(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	write(t, rules, "cart_rules: []\n")
	ch, calls := watching(t, dir, WatchOptions{Quiet: 250 * time.Millisecond, MaxWait: 5 * time.Second})
	// A git checkout: many files at once.
	for i := range 50 {
		write(t, filepath.Join(dir, "rules", string(rune('a'+i%26))+".yaml"), "cart_rules: [] # "+string(rune('0'+i%10))+"\n")
	}
	waitChange(t, ch, "burst")
	time.Sleep(400 * time.Millisecond)
	if n := calls.Load(); n > 2 {
		t.Errorf("a burst of 50 writes gave %d changes, want 1 (2 at most)", n)
	}
}

func TestWatchMaxWait(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	write(t, rules, "cart_rules: []\n")
	ch, _ := watching(t, dir, WatchOptions{Quiet: 100 * time.Millisecond, MaxWait: 150 * time.Millisecond})
	// Events every 20ms never leave 100ms of quiet; MaxWait still rescans,
	// while the writes go on.
	stop := time.After(3 * time.Second)
	for {
		select {
		case <-stop:
			t.Fatal("a steady trickle of writes put the rescan off for good")
		case <-ch:
			return
		case <-time.After(20 * time.Millisecond):
			write(t, rules, "cart_rules: [] # "+time.Now().String()+"\n")
		}
	}
}

func TestWatchPoll(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "rules.yaml"), "cart_rules: []\n")
	ch, _ := watching(t, dir, WatchOptions{Poll: true, Rescan: 20 * time.Millisecond})
	noChange(t, ch, "nothing written")
	write(t, filepath.Join(dir, "rules.yaml"), "cart_rules: [] # polled\n")
	waitChange(t, ch, "write seen by polling")
}

func TestWatchRescanUnreadable(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "rules")
	write(t, filepath.Join(dir, "rules.yaml"), "cart_rules: []\n")
	ch, _ := watching(t, dir, WatchOptions{Poll: true, Rescan: 20 * time.Millisecond})
	// The directory going away is a change: the caller's reload fails and
	// says so, and keeps its rule set.
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	waitChange(t, ch, "directory removed")
	if err := os.Rename(dir+".old", dir); err != nil {
		t.Fatal(err)
	}
	waitChange(t, ch, "directory back")
}

func TestWatchErrors(t *testing.T) {
	if _, err := Watch(context.Background(), filepath.Join(t.TempDir(), "nope"), WatchOptions{}, func() {}); err == nil {
		t.Error("Watch of a missing directory: no error")
	}
}

// TestWatchFiles: a file outside the tree that Files names (a key set)
// is watched through its directory, Kubernetes Secret mounts included, and
// the watch follows Files when it names another file.
func TestWatchFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "rules.yaml"), "cart_rules: []\n")
	secrets := t.TempDir()
	configMap(t, secrets, "..2026_01_01_00_00_00.1", map[string]string{"jwks.json": `{"keys": []}`})
	other := filepath.Join(t.TempDir(), "keys.json")
	write(t, other, `{"keys": []}`)

	var mu sync.Mutex
	file := filepath.Join(secrets, "jwks.json")
	files := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return []string{file, filepath.Join(dir, "inside.json")}
	}
	read := func() string {
		mu.Lock()
		defer mu.Unlock()
		data, _ := os.ReadFile(file)
		return string(data)
	}
	last := read()
	var calls atomic.Int32
	ch := make(chan struct{}, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done, err := Watch(ctx, dir, WatchOptions{Quiet: 20 * time.Millisecond, MaxWait: 200 * time.Millisecond, Rescan: time.Hour, Files: files,
		OnError: func(err error) { t.Logf("watch: %v", err) }}, func() {
		calls.Add(1)
		if now := read(); now != last {
			last = now
			ch <- struct{}{}
		}
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer func() {
		cancel()
		<-done
	}()

	configMap(t, secrets, "..2026_01_02_00_00_00.2", map[string]string{"jwks.json": `{"keys": [1]}`})
	waitChange(t, ch, "Secret ..data swap of the key set")
	settle(ch)
	write(t, filepath.Join(secrets, "jwks.json.tmp"), `{"keys": [2]}`)
	if err := os.Rename(filepath.Join(secrets, "jwks.json.tmp"), filepath.Join(secrets, "..2026_01_02_00_00_00.2", "jwks.json")); err != nil {
		t.Fatal(err)
	}
	waitChange(t, ch, "key set replaced by rename")
	settle(ch)

	// The settings now name another file: the watch follows it after the
	// next onChange (here, one the rules directory causes).
	mu.Lock()
	file = other
	mu.Unlock()
	write(t, filepath.Join(dir, "rules.yaml"), "cart_rules: [] # 2\n")
	settle(ch)
	write(t, other, `{"keys": [3]}`)
	waitChange(t, ch, "the file Files names now")
	settle(ch)
	before := calls.Load()
	configMap(t, secrets, "..2026_01_03_00_00_00.3", map[string]string{"jwks.json": `{"keys": [4]}`})
	time.Sleep(150 * time.Millisecond)
	if n := calls.Load(); n != before {
		t.Errorf("a change of the file Files no longer names woke the watch %d times", n-before)
	}
}
