package loader

import (
	"io/fs"
	"syscall"
)

// sysIdentity is the part of a file's identity only the system's stat
// gives.
type sysIdentity struct {
	dev, ino uint64
	ctime    int64 // change time: any write, rename onto it or chmod
}

func sysIdentityOf(info fs.FileInfo) (sysIdentity, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return sysIdentity{}, false
	}
	return sysIdentity{dev: uint64(st.Dev), ino: st.Ino, ctime: st.Ctim.Nano()}, true
}
