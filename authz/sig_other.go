//go:build !linux

package authz

import (
	"io/fs"
	"os"
)

// statSig stats path (size and modification time only off Linux).
func statSig(path string) (fileSig, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileSig{}, err
	}
	return sigOf(fi), nil
}

func devIno(fs.FileInfo) (uint64, uint64) { return 0, 0 }
