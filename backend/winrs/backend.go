package winrs

import (
	"context"
	"log/slog"
	"strings"

	"github.com/psgate/psgate/backend"
	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/session"
)

// Backend starts WinRS consoles for the session layer (backend.Backend).
type Backend struct {
	// Logger receives the consoles' logs (default: discard).
	Logger *slog.Logger
	// Route, when set, adjusts each console's Config before it starts (the
	// demo points its published name at the in-process simulator).
	Route func(*Config)
}

var _ backend.Backend = Backend{}

// Start implements backend.Backend.
func (b Backend) Start(ctx context.Context, t backend.Target, emit func(session.Event)) (session.Shell, error) {
	cfg := Config{Endpoint: wsman.Endpoint{
		Host: t.Host, Port: t.Port, HTTPS: t.HTTPS, Path: t.Path, Auth: authOf(t.Auth),
		Username: t.Username, Password: t.Password, Logger: b.Logger,
	}}
	if !strings.EqualFold(t.Configuration, defaultConfiguration) {
		cfg.ConfigurationName = t.Configuration
	}
	if b.Route != nil {
		b.Route(&cfg)
	}
	return Start(ctx, cfg, func(e Event) { emit(sessionEvent(e)) })
}

// authOf maps a target's authentication to the backend's; anything else
// ("default") lets the backend choose (negotiate over HTTP, basic over HTTPS).
func authOf(a string) string {
	switch a {
	case "basic", "negotiate", "kerberos":
		return a
	}
	return ""
}

// sessionEvent is e as the session layer takes it; the prompt is
// PowerShell's default one for the remote location.
func sessionEvent(e Event) session.Event {
	switch e.Kind {
	case Prompt:
		return session.Event{Kind: session.EventPrompt, Prompt: "PS " + e.Location + "> ", Success: e.Success}
	case Exited:
		return session.Event{Kind: session.EventExited, ExitCode: e.ExitCode, Err: e.Err}
	default:
		return session.Event{Kind: session.EventOutput, Stream: e.Stream, Text: e.Text}
	}
}
