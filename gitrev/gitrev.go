package gitrev

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tree is a directory unpacked from a revision.
type Tree struct {
	// Dir holds the files; remove it with Remove.
	Dir string
	// Commit is the full id of the commit the revision named.
	Commit string
}

// Remove deletes the unpacked files.
func (t *Tree) Remove() error { return os.RemoveAll(t.Dir) }

// Checkout unpacks dir (a directory inside a git work tree) as it was at
// rev (anything git rev-parse takes: a branch, a tag, origin/main, HEAD~2,
// a commit id) into a new temporary directory. Only regular files and
// directories are unpacked; symbolic links and submodules are left out.
func Checkout(ctx context.Context, dir, rev string) (*Tree, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("git revision %q: must not start with -", rev)
	}
	prefix, err := git(ctx, dir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("git revision %s: %s is not in a git work tree: %w", rev, dir, err)
	}
	commit, err := git(ctx, dir, "rev-parse", "--verify", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("git revision %s: not a commit in the repository of %s", rev, dir)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	treeish := commit
	if prefix != "" {
		treeish += ":" + prefix
		if kind, err := git(ctx, dir, "cat-file", "-t", treeish); err != nil || kind != "tree" {
			return nil, fmt.Errorf("git revision %s: %s did not exist at %.12s", rev, prefix, commit)
		}
	}
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("git revision %s: %w", rev, err)
	}
	// From the top: in a subdirectory, archive would look for that
	// subdirectory inside the tree it is given.
	cmd := exec.CommandContext(ctx, "git", "archive", "--format=tar", treeish)
	cmd.Dir = top
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "ruled-rev-*")
	if err != nil {
		return nil, err
	}
	t := &Tree{Dir: tmp, Commit: commit}
	if err := cmd.Start(); err != nil {
		_ = t.Remove()
		return nil, fmt.Errorf("git archive: %w", err)
	}
	uerr := untar(out, tmp)
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if err := errors.Join(uerr, werr); err != nil {
		_ = t.Remove()
		if werr != nil && stderr.Len() > 0 {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
		}
		return nil, fmt.Errorf("git archive %s: %w", rev, err)
	}
	return t, nil
}

// git runs a git command in dir and returns its output, trimmed.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("%w: %s", err, msg)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// untar unpacks regular files and directories of a tar stream under dir,
// refusing any path that would leave it.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q leaves the directory", h.Name)
		}
		path := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}
