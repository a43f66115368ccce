//go:build !unix

package local

// lockFile is a no-op where flock(2) does not exist; the Store's own mutex
// still serialises writers inside one process.
func lockFile(string) (func(), error) { return func() {}, nil }
