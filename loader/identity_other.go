//go:build !linux

package loader

import "io/fs"

// sysIdentity is the part of a file's identity only the system's stat
// gives; outside Linux none is trusted, and every file is read.
type sysIdentity struct{ ctime int64 }

func sysIdentityOf(fs.FileInfo) (sysIdentity, bool) { return sysIdentity{}, false }
