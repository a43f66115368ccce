//go:build !linux

package main

import "os"

// setEcho leaves echo alone where we have no termios code; use
// --password-stdin there.
func setEcho(*os.File) func() { return func() {} }
