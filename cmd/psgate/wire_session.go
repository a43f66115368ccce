package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/psgate/psgate/backend/winrs"
	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/session"
)

// credentialFunc gives the target credentials when the form has no
// alternate credentials (the demo: the simulator's account).
type credentialFunc func(id gateway.Identity, t gateway.Target) (user, password string, ok bool)

// sessionOpener implements gateway.SessionOpener over session.Manager and
// the WinRS backend. The target password is only held by the winrs.Console
// of the shell (and the closure that starts it).
type sessionOpener struct {
	mgr   *session.Manager
	creds credentialFunc
	// route, when set, adjusts the backend config of a target (the demo
	// points its published name at the in-process simulator).
	route  func(c *winrs.Config)
	logger *slog.Logger
}

func (o *sessionOpener) Open(ctx context.Context, id gateway.Identity, t gateway.Target, clientAddr string) (string, error) {
	user, password := t.AltUser, t.AltPassword
	if user == "" && o.creds != nil {
		if u, p, ok := o.creds(id, t); ok {
			user, password = u, p
		}
	}
	if user == "" {
		return "", fmt.Errorf("open session to %s for %s: no target credentials", t.Display(), id.Name)
	}
	cfg := winrs.Config{
		Host: t.Host(), Port: t.Port, HTTPS: t.UseSSL, Username: user, Password: password,
		Auth: winrsAuth(t.Authentication), Logger: o.logger,
	}
	if t.Configuration != "Microsoft.PowerShell" {
		cfg.ConfigurationName = t.Configuration
	}
	if t.Application != "" && t.Application != "WSMAN" {
		cfg.Path = "/" + t.Application
	}
	if t.URI != nil {
		cfg.HTTPS = t.URI.Scheme == "https"
		cfg.Port = 0
		if p := t.URI.Port(); p != "" {
			_, _ = fmt.Sscan(p, &cfg.Port)
		}
		if t.URI.Path != "" {
			cfg.Path = t.URI.Path
		}
	}
	if o.route != nil {
		o.route(&cfg)
	}
	opener := func(ctx context.Context, emit func(session.Event)) (session.Shell, error) {
		return winrs.Start(ctx, cfg, func(e winrs.Event) { emit(toSessionEvent(e)) })
	}
	s, err := o.mgr.Open(ctx, session.OpenRequest{User: id.Name, Target: t.Display(), Configuration: t.Configuration, ClientAddr: clientAddr}, opener)
	if err != nil {
		if errors.Is(err, session.ErrCapReached) {
			return "", fmt.Errorf("open session for %s: %w: %w", id.Name, gateway.ErrCapReached, err)
		}
		return "", fmt.Errorf("open session to %s for %s: %w", t.Display(), id.Name, err)
	}
	return s.ID(), nil
}

// winrsAuth maps the form's authentication type to the backend's; "default"
// lets the backend choose (negotiate over HTTP, basic over HTTPS).
func winrsAuth(a string) string {
	switch a {
	case "basic", "negotiate", "kerberos":
		return a
	}
	return ""
}

func toSessionEvent(e winrs.Event) session.Event {
	switch e.Kind {
	case winrs.Prompt:
		return session.Event{Kind: session.EventPrompt, Prompt: "PS " + e.Location + "> ", Success: e.Success}
	case winrs.Exited:
		return session.Event{Kind: session.EventExited, ExitCode: e.ExitCode, Err: e.Err}
	default:
		return session.Event{Kind: session.EventOutput, Stream: e.Stream, Text: e.Text}
	}
}
