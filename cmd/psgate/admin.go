package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/session"
)

// readToken reads an admin token file (first line). A file that group or
// others may read or write is refused: the token is the admin API's only
// credential.
func readToken(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("read admin token file: %w", err)
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return "", fmt.Errorf("admin token file %s has mode %04o: group and others must have no access (chmod 600)", path, m)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read admin token file: %w", err)
	}
	t, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	t = strings.TrimSpace(t)
	if t == "" {
		return "", fmt.Errorf("admin token file %s is empty", path)
	}
	return t, nil
}

// startAdmin serves the admin API on c.Listen (loopback HTTP) and returns
// its stop function and address. A listen address that is not a loopback
// address is refused: the API is plain HTTP with a bearer token.
func startAdmin(_ context.Context, c adminConfig, mgr *session.Manager, logger *slog.Logger) (func() error, string, error) {
	if err := loopbackListen(c.Listen); err != nil {
		return nil, "", err
	}
	tok, err := readToken(c.TokenFile)
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, "", fmt.Errorf("admin listen: %w", err)
	}
	hs := &http.Server{Handler: gateway.NewAdmin(mgr, tok, logger), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	logger.Info("admin API listening", "addr", ln.Addr().String())
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return hs.Shutdown(ctx)
	}, ln.Addr().String(), nil
}

// loopbackListen checks that addr (host:port) listens on loopback only:
// 127.0.0.0/8, ::1 or "localhost"; an empty host (all interfaces) is refused.
func loopbackListen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin.listen %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("admin.listen %q: the admin API is plain HTTP and listens on loopback only (127.0.0.1 or [::1])", addr)
}

// newAdminClient finds the admin API: --admin-url/--token-file flags, else
// PSGATE_ADMIN_URL/PSGATE_ADMIN_TOKEN_FILE, else the config file's admin section.
func newAdminClient(e *env, flagURL, flagToken string) (*gateway.AdminClient, error) {
	u, tf := flagURL, flagToken
	if u == "" {
		u = os.Getenv("PSGATE_ADMIN_URL")
	}
	if tf == "" {
		tf = os.Getenv("PSGATE_ADMIN_TOKEN_FILE")
	}
	if u == "" || tf == "" {
		cfg, err := loadConfig(e.configPath)
		if err != nil {
			return nil, fmt.Errorf("find the admin API (--admin-url or the config's admin.listen): %w", err)
		}
		if cfg.Admin.Listen == "" {
			return nil, fmt.Errorf("config %s has no admin.listen", e.configPath)
		}
		if u == "" {
			u = "http://" + cfg.Admin.Listen
		}
		if tf == "" {
			tf = cfg.Admin.TokenFile
		}
	}
	tok, err := readToken(tf)
	if err != nil {
		return nil, err
	}
	return gateway.NewAdminClient(u, tok), nil
}
