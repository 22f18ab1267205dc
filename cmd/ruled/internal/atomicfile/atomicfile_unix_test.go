//go:build unix

package atomicfile

import (
	"bytes"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteSizeLimit runs a write in a child process whose files may not
// grow past 4 KiB (RLIMIT_FSIZE), as a full disk or a quota would stop it:
// os.WriteFile leaves the target truncated, Write leaves it whole.
func TestWriteSizeLimit(t *testing.T) {
	if p := os.Getenv("ATOMICFILE_CHILD"); p != "" {
		child(p)
		return
	}
	old := bytes.Repeat([]byte("old rule\n"), 100)
	for _, how := range []string{"oswritefile", "atomic"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "rules.yaml")
			must(t, os.WriteFile(p, old, 0o644))
			cmd := exec.Command(os.Args[0], "-test.run=^TestWriteSizeLimit$")
			cmd.Env = append(os.Environ(), "ATOMICFILE_CHILD="+p, "ATOMICFILE_HOW="+how)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "write failed") {
				t.Fatalf("the write did not hit the limit:\n%s", out)
			}
			got, _ := os.ReadFile(p)
			switch how {
			case "oswritefile":
				if bytes.Equal(got, old) {
					t.Fatal("os.WriteFile kept the file whole: the limit did not bite, so the test proves nothing")
				}
			case "atomic":
				if !bytes.Equal(got, old) {
					t.Errorf("after a failed write the file holds %d bytes, want the old %d", len(got), len(old))
				}
				noTemp(t, dir)
			}
		})
	}
}

func child(p string) {
	// Past the limit, write fails with EFBIG instead of the signal killing
	// the process.
	signal.Ignore(syscall.SIGXFSZ)
	lim := syscall.Rlimit{Cur: 4096, Max: 4096}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		os.Stdout.WriteString("setrlimit: " + err.Error() + "\n")
		os.Exit(1)
	}
	data := bytes.Repeat([]byte("new rule\n"), 10_000)
	var err error
	if os.Getenv("ATOMICFILE_HOW") == "atomic" {
		err = Write(p, data, 0o644)
	} else {
		err = os.WriteFile(p, data, 0o644)
	}
	if err != nil {
		os.Stdout.WriteString("write failed: " + err.Error() + "\n")
	}
	os.Exit(0)
}
