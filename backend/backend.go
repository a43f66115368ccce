// Package backend is the console-backend seam: the Target a console is
// opened on (host, port, transport, session configuration, the credential
// that travels to the target) and the Backend that starts a remote shell
// there for the session layer. Implementations live in subpackages:
// backend/winrs (a WinRS cmd shell over masterzen) today, PSRP next; the
// gateway only knows this seam.
package backend

import (
	"context"

	"github.com/psgate/psgate/session"
)

// Target is where and as whom a console is opened.
type Target struct {
	// Host is the computer name or address; Port 0 means the backend's
	// default (5985, or 5986 with HTTPS).
	Host  string
	Port  int
	HTTPS bool
	// Path is the WS-Man path ("/wsman" when empty).
	Path string
	// Auth is "basic", "negotiate", "kerberos" or "" (the backend chooses).
	Auth string
	// Configuration is the session configuration the rules allowed; a
	// backend opens exactly this one or refuses.
	Configuration string
	// Username and Password are the target credential (alternate
	// credentials, or the sign-in's when passed through). The password is
	// only held by the backend's console.
	Username, Password string
}

// Backend starts remote shells.
type Backend interface {
	// Start opens a shell on t; emit receives its events (see
	// session.Opener for the rules).
	Start(ctx context.Context, t Target, emit func(session.Event)) (session.Shell, error)
}
