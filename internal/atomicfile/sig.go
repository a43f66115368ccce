package atomicfile

import "io/fs"

// Sig identifies a version of a file cheaply: device, inode, size and
// modification time. The zero value means "no file".
type Sig struct {
	dev, ino uint64
	size     int64
	mtime    int64 // ns
	ok       bool
}

// Exists reports whether the signature is of a file (not the zero Sig).
func (s Sig) Exists() bool { return s.ok }

// SigOf is the Sig of a FileInfo from Stat (nil: no file).
func SigOf(fi fs.FileInfo) Sig {
	if fi == nil {
		return Sig{}
	}
	sg := Sig{size: fi.Size(), mtime: fi.ModTime().UnixNano(), ok: true}
	sg.dev, sg.ino = devIno(fi)
	return sg
}
