package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "rules.yaml")
	if err := Write(p, []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("a new file has mode %v, want 0644", st.Mode().Perm())
	}
	must(t, os.Chmod(p, 0o600))
	if err := Write(p, []byte("newer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("a replaced file has mode %v, want its own 0600", st.Mode().Perm())
	}
	// Through a link, the file linked to is replaced and the link stays.
	must(t, os.Symlink("rules.yaml", filepath.Join(dir, "link.yaml")))
	if err := Write(filepath.Join(dir, "link.yaml"), []byte("linked\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "linked\n" {
		t.Errorf("the linked file holds %q", b)
	}
	if fi, _ := os.Lstat(filepath.Join(dir, "link.yaml")); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if err := Write(dir, []byte("x"), 0o644); err == nil {
		t.Error("writing over a directory succeeded")
	}
	if err := Write(filepath.Join(dir, "missing", "x.yaml"), []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("writing into a missing directory: %v", err)
	}
	noTemp(t, dir)
}

func noTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
