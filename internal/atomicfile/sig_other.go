//go:build !linux

package atomicfile

import (
	"io/fs"
	"os"
)

// StatSig stats path (size and modification time only off Linux).
func StatSig(path string) (Sig, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Sig{}, err
	}
	return SigOf(fi), nil
}

func devIno(fs.FileInfo) (uint64, uint64) { return 0, 0 }
