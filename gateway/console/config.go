package console

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/psgate/psgate/session"
)

// Defaults of Config.
const (
	DefaultMaxFrameBytes = 64 << 10
	DefaultQueueBytes    = 4 << 20
	DefaultPingInterval  = 30 * time.Second
	DefaultPongWait      = 75 * time.Second
	DefaultWriteWait     = 10 * time.Second
	DefaultInterruptWait = 10 * time.Second
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("invalid console config")

// Sessions is what the console needs from the session manager
// (*session.Manager satisfies it).
type Sessions interface {
	Attach(id, user string, c session.Client) (*session.Session, func(), error)
}

// Config configures the websocket handler. Sessions, User, CheckCSRF and
// SessionID are required.
type Config struct {
	// Sessions attaches a websocket to a session of its owner.
	Sessions Sessions
	// User returns the signed-in user of the request (cookie session).
	User func(r *http.Request) (string, bool)
	// CheckCSRF validates the csrf query parameter for the request.
	CheckCSRF func(r *http.Request, token string) bool
	// SessionID extracts the session ID from the URL (e.g. chi.URLParam).
	SessionID func(r *http.Request) string
	// Authorize, when set, re-checks the authorization rules for the session
	// on every (re)connect; an error refuses the upgrade with 403.
	Authorize func(r *http.Request, s *session.Session) error
	// MaxFrameBytes bounds one browser frame; larger frames close the socket
	// with 1009. Default 64 KiB.
	MaxFrameBytes int
	// QueueBytes bounds the frames waiting for the writer (text plus 64
	// bytes per frame); a full queue closes the socket with 1013. It must hold
	// a whole reconnect replay (session.Config.BufferBytes); default 4 MiB.
	QueueBytes int
	// PingInterval is the period of the writer's pings; default 30s.
	PingInterval time.Duration
	// PongWait is how long the reader waits for any frame or pong; default
	// 75s. It must be longer than PingInterval.
	PongWait time.Duration
	// WriteWait bounds one write; default 10s.
	WriteWait time.Duration
	// InterruptWait bounds the shell's Ctrl+C; default 10s.
	InterruptWait time.Duration
	// Logger receives operational logs; default discards.
	Logger *slog.Logger
	// OnBytes, when set, is called with the payload bytes read from and
	// written to a socket (metrics).
	OnBytes func(in, out int)
	// SignInEnded, when set, returns a channel closed when the sign-in of
	// the request ends; the socket then closes with CloseSignedOut, or with
	// CloseSignInExpired when expired (may be nil) reports true after the
	// close. release is called when the socket ends.
	SignInEnded func(r *http.Request) (ended <-chan struct{}, expired func() bool, release func())
}

func (c *Config) setDefaults() {
	if c.MaxFrameBytes == 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if c.QueueBytes == 0 {
		c.QueueBytes = DefaultQueueBytes
	}
	if c.PingInterval == 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PongWait == 0 {
		c.PongWait = DefaultPongWait
	}
	if c.WriteWait == 0 {
		c.WriteWait = DefaultWriteWait
	}
	if c.InterruptWait == 0 {
		c.InterruptWait = DefaultInterruptWait
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.OnBytes == nil {
		c.OnBytes = func(int, int) {}
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Sessions == nil {
		errs = append(errs, errors.New("Sessions is required"))
	}
	if c.User == nil {
		errs = append(errs, errors.New("User is required"))
	}
	if c.CheckCSRF == nil {
		errs = append(errs, errors.New("CheckCSRF is required"))
	}
	if c.SessionID == nil {
		errs = append(errs, errors.New("SessionID is required"))
	}
	if c.MaxFrameBytes < 1024 {
		errs = append(errs, fmt.Errorf("MaxFrameBytes %d: must be at least 1024", c.MaxFrameBytes))
	}
	if c.QueueBytes < 1024 {
		errs = append(errs, fmt.Errorf("QueueBytes %d: must be at least 1024", c.QueueBytes))
	}
	if c.PingInterval < 0 || c.PongWait <= c.PingInterval {
		errs = append(errs, fmt.Errorf("PongWait %s must be longer than PingInterval %s", c.PongWait, c.PingInterval))
	}
	if c.WriteWait < 0 || c.InterruptWait < 0 {
		errs = append(errs, errors.New("WriteWait and InterruptWait must not be negative"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
	}
	return nil
}
