package winrstest

import "github.com/psgate/psgate/gateway/winrs/winrstest/pwsh"

// chunk is one child write (one rsp:Stream).
type chunk = pwsh.Chunk

// process is the remote process as a command sees it (winrstest/pwsh.Process).
type process interface {
	Write(b []byte) (int, error)
	CloseStdin()
	Interrupt()
	Kill()
	Output() <-chan chunk
	ExitCode() int
}
