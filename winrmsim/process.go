package winrmsim

import "github.com/psgate/psgate/winrmsim/pwsh"

// chunk is one child write (one rsp:Stream).
type chunk = pwsh.Chunk

// process is the remote process as a command sees it (winrmsim/pwsh.Process).
type process interface {
	Write(b []byte) (int, error)
	CloseStdin()
	Interrupt()
	Kill()
	Output() <-chan chunk
	ExitCode() int
}
