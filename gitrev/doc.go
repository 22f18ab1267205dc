// Package gitrev reads a directory as it was at a git revision, without
// touching the work tree, the index or HEAD: it runs the git command's
// plumbing (rev-parse, archive) and unpacks the tree into a temporary
// directory, so that everything that reads rule directories reads a past
// version the same way.
//
// gitrev knows nothing of rules: it sits beside the loader and is used by
// the command line. It needs the git command on PATH. Its functions keep
// no state and are safe for concurrent use.
package gitrev
