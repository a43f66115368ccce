package remoting

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/psrp"
)

// Disconnect disconnects the runspace pool from this client (protocol
// 2.2+): it keeps running on the target, buffering output, for idle (0:
// the target's default) until a client reconnects or connects to it.
func (c *Client) Disconnect(ctx context.Context, idle time.Duration) error {
	return c.DisconnectWith(ctx, wsman.DisconnectRequest{IdleTimeOut: idle})
}

// DisconnectWith is Disconnect with the output buffering mode too
// (wsman.BufferModeBlock: the pipeline waits when the buffer is full;
// BufferModeDrop: it goes on and the oldest output is dropped).
func (c *Client) DisconnectWith(ctx context.Context, r wsman.DisconnectRequest) error {
	c.mu.Lock()
	err := c.pool.Disconnected()
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("disconnecting runspace pool %s: %w", c.shell.ID(), err)
	}
	if err := c.shell.DisconnectWith(ctx, r); err != nil {
		return fmt.Errorf("disconnecting runspace pool %s: %w", c.shell.ID(), err)
	}
	return nil
}

// Reconnect reconnects this client to the pool it disconnected. On a
// connected pool it only confirms the connection to the target (pypsrp
// sends one before closing a pool it connected to).
func (c *Client) Reconnect(ctx context.Context) error {
	if err := c.shell.Reconnect(ctx); err != nil {
		return fmt.Errorf("reconnecting runspace pool %s: %w", c.shell.ID(), err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pool.State() != psrp.PoolDisconnected {
		return nil
	}
	if err := c.pool.Reconnected(); err != nil {
		return fmt.Errorf("reconnecting runspace pool %s: %w", c.shell.ID(), err)
	}
	return nil
}

// Connect attaches a new client to the disconnected runspace pool
// shellID (left by a client that went away: a browser, a gateway): the
// pool's SESSION_CAPABILITY and CONNECT_RUNSPACEPOOL go in the connectXml,
// the server's answer comes in the connectResponseXml and the pool is
// Opened again. cfg.Pool.ID is the pool's id as its messages carry it
// (zero: parsed from shellID).
func Connect(ctx context.Context, cfg Config, shellID string) (*Client, error) {
	if cfg.Pool.ID.IsZero() {
		id, err := psrp.ParseGUID(shellID)
		if err != nil {
			return nil, fmt.Errorf("connecting to %s: %w", shellID, err)
		}
		cfg.Pool.ID = id
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.connect(ctx, shellID); err != nil {
		c.wc.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) connect(ctx context.Context, shellID string) error {
	if err := c.newPool(); err != nil {
		return err
	}
	if err := c.pool.Connect(); err != nil {
		return fmt.Errorf("connecting to %s: %w", shellID, err)
	}
	payload, err := c.encode()
	if err != nil {
		return err
	}
	o := c.shellOptions()
	if c.shell, err = c.wc.OpenShell(shellID, o); err != nil {
		return fmt.Errorf("connecting to %s: %w", shellID, err)
	}
	resp, err := c.shell.Connect(ctx, "", bytes.Join(payload, nil), protocolOption)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", shellID, err)
	}
	if _, err := c.feed("", resp.ConnectResponseXML); err != nil {
		return fmt.Errorf("connecting to %s: %w", shellID, err)
	}
	// The connect response carries SESSION_CAPABILITY and
	// RUNSPACEPOOL_INIT_DATA (the pool is Opened); the next Receive brings
	// the pool's state or its APPLICATION_PRIVATE_DATA — the recordings
	// show either — and the pool is ready once one of them came.
	for {
		events, err := c.receive(ctx, "")
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", shellID, err)
		}
		for _, ev := range events {
			switch e := ev.(type) {
			case psrp.PoolStateEvent:
				if e.State == psrp.PoolBroken {
					return fmt.Errorf("connecting to %s: %w", shellID, poolError(e))
				}
				return nil
			case psrp.PrivateDataEvent:
				return nil
			}
		}
	}
}

// DisconnectedShell is a runspace pool left disconnected on the target.
type DisconnectedShell struct {
	wsman.ShellInfo
	// Configuration is the session configuration it was opened with.
	Configuration string
	// Commands are its pipelines (still running or with output waiting).
	Commands []wsman.CommandInfo
}

// Disconnected lists the user's disconnected PowerShell runspace pools on
// cfg's target (WS-Man Enumerate of the shells, then of each one's
// commands), for a client to Connect to.
func Disconnected(ctx context.Context, cfg Config) ([]DisconnectedShell, error) {
	wc, err := wsman.NewClient(cfg.Endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("listing disconnected shells: %w", err)
	}
	defer wc.Close()
	o := cfg.Shell
	shells, err := wc.Shells(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("listing disconnected shells: %w", err)
	}
	var out []DisconnectedShell
	for _, s := range shells {
		conf, ok := strings.CutPrefix(s.ResourceURI, wsman.PowerShellResourceURI(""))
		if !ok || !strings.EqualFold(s.State, "Disconnected") {
			continue
		}
		o.ResourceURI = s.ResourceURI
		sh, err := wc.OpenShell(s.ShellID, o)
		if err != nil {
			return nil, fmt.Errorf("listing commands of %s: %w", s.ShellID, err)
		}
		cmds, err := sh.Commands(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing commands of %s: %w", s.ShellID, err)
		}
		out = append(out, DisconnectedShell{ShellInfo: s, Configuration: conf, Commands: cmds})
	}
	return out, nil
}
