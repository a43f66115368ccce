//go:build linux

package atomicfile

import (
	"io/fs"
	"syscall"
)

// StatSig stats path without allocating (readers do it per use).
func StatSig(path string) (Sig, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return Sig{}, err
	}
	return Sig{dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size,
		mtime: st.Mtim.Sec*1e9 + st.Mtim.Nsec, ok: true}, nil
}

// devIno returns the device and inode behind a FileInfo from os.Stat.
func devIno(fi fs.FileInfo) (uint64, uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}
