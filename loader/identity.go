package loader

import (
	"io/fs"
	"time"
)

// identity is what the file system says of a file that changes whenever
// its content does: size, modification and change times, mode, device and
// inode. A Cache does not read again a rule file whose identity is the one
// it had when it was read (see seen).
type identity struct {
	size  int64
	mtime int64
	mode  fs.FileMode
	sys   sysIdentity
}

// identify returns info's identity; ok is false when the file system does
// not give one that can be trusted (then the file is always read).
func identify(info fs.FileInfo) (identity, bool) {
	sys, ok := sysIdentityOf(info)
	if !ok {
		return identity{}, false
	}
	return identity{size: info.Size(), mtime: info.ModTime().UnixNano(), mode: info.Mode(), sys: sys}, true
}

// racyWindow is how long before a file was read its times must be for its
// identity to be trusted: a file written again within the same tick of a
// coarse file system clock (a second on some, two on FAT) as it was read
// keeps its times, so it is read again until its times are that far from
// the read, as git treats "racily clean" files.
const racyWindow = 2 * time.Second

// seen is a rule file as a load read it: its identity then, when it was
// read, and the sum of the bytes read.
type seen struct {
	id     identity
	readAt time.Time
	sum    [32]byte
}

// unchanged reports whether a file with identity id is, content and all,
// the one s records, its times at least racy older than the read.
func (s seen) unchanged(id identity, racy time.Duration) bool {
	return id == s.id && time.Unix(0, max(id.mtime, id.sys.ctime)).Before(s.readAt.Add(-racy))
}
