package remoting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
)

// DefaultConfiguration is the session configuration of a full PowerShell.
const DefaultConfiguration = "Microsoft.PowerShell"

// Config says where and how to open a runspace pool.
type Config struct {
	// Endpoint is the WS-Management endpoint and credential.
	Endpoint wsman.Endpoint
	// Configuration is the session configuration to open (a JEA endpoint
	// name, or "" for Microsoft.PowerShell). Exactly this one is opened.
	Configuration string
	// Pool configures the runspace pool (ids, host, key); see psrp.PoolConfig.
	Pool psrp.PoolConfig
	// Shell tunes the WS-Man requests (MaxEnvelopeSize, OperationTimeout,
	// ids); its ResourceURI and Create are set by Open.
	Shell wsman.ShellOptions
	// CloseCommands sends a Signal terminate for a pipeline once it has
	// ended, as pypsrp does (Windows frees the command then; otherwise at
	// its own pace).
	CloseCommands bool
	// Logger receives debug records (default: discard).
	Logger *slog.Logger
}

// The WS-Management MaxEnvelopeSize before and after the protocol
// negotiation: a 2.2+ server takes 512000 (as pypsrp and PowerShell use).
const (
	envelopeDefault = 153600
	envelopeLarge   = 512000
)

// Client is one runspace pool on a WS-Man shell.
type Client struct {
	cfg   Config
	wc    *wsman.Client
	shell *wsman.Shell
	log   *slog.Logger

	mu    sync.Mutex // the pool and codec are not safe for concurrent use
	pool  *psrp.RunspacePool
	codec *psrp.Codec
}

// Open creates the shell and opens the runspace pool: it returns once the
// pool is Opened, or with the server's reason when it broke.
func Open(ctx context.Context, cfg Config) (*Client, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.open(ctx); err != nil {
		c.wc.Close()
		return nil, err
	}
	return c, nil
}

// newClient applies cfg's defaults and makes the WS-Man client.
func newClient(cfg Config) (*Client, error) {
	if cfg.Configuration == "" {
		cfg.Configuration = DefaultConfiguration
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Shell.MaxEnvelopeSize == 0 {
		cfg.Shell.MaxEnvelopeSize = envelopeDefault
	}
	var krb *wsman.Kerberos
	if strings.EqualFold(cfg.Endpoint.Auth, "kerberos") {
		var err error
		if krb, err = wsman.NewKerberos(cfg.Endpoint); err != nil {
			return nil, fmt.Errorf("opening %s: %w", cfg.Configuration, err)
		}
	}
	wc, err := wsman.NewClient(cfg.Endpoint, krb)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", cfg.Configuration, err)
	}
	return &Client{cfg: cfg, wc: wc, log: cfg.Logger.With("configuration", cfg.Configuration)}, nil
}

// newPool makes the runspace pool and the codec at the configured
// envelope size.
func (c *Client) newPool() error {
	pool, err := psrp.NewRunspacePool(c.cfg.Pool)
	if err != nil {
		return fmt.Errorf("opening %s: %w", c.cfg.Configuration, err)
	}
	payload, err := psrp.MaxPayloadSize(c.cfg.Shell.MaxEnvelopeSize, psrp.DefaultEnvelopeOverhead)
	if err != nil {
		return fmt.Errorf("opening %s: %w", c.cfg.Configuration, err)
	}
	codec, err := psrp.NewCodec(psrp.CodecConfig{MaxPayloadSize: payload})
	if err != nil {
		return fmt.Errorf("opening %s: %w", c.cfg.Configuration, err)
	}
	c.pool, c.codec = pool, codec
	return nil
}

// shellOptions are the WS-Man options of the configuration's shell.
func (c *Client) shellOptions() wsman.ShellOptions {
	o := c.cfg.Shell
	o.ResourceURI = wsman.PowerShellResourceURI(c.cfg.Configuration)
	return o
}

// protocolOption is the OptionSet of Create and Connect: the PSRP
// protocol version the client speaks.
var protocolOption = wsman.Option{Name: "protocolversion", Value: "2.3", MustComply: true}

func (c *Client) open(ctx context.Context) error {
	if err := c.newPool(); err != nil {
		return err
	}
	if err := c.pool.Open(); err != nil {
		return fmt.Errorf("opening %s: %w", c.cfg.Configuration, err)
	}
	creation, err := c.encode()
	if err != nil {
		return err
	}
	o := c.shellOptions()
	o.Create.ShellID = c.pool.ID().String()
	o.Create.CreationXML = bytes.Join(creation, nil)
	o.CreateOptions = append(o.CreateOptions, protocolOption)
	if c.shell, err = c.wc.CreateShell(ctx, o); err != nil {
		return fmt.Errorf("opening %s: %w", c.cfg.Configuration, err)
	}
	return c.untilOpened(ctx, "opening "+c.cfg.Configuration)
}

// untilOpened receives the pool's messages until it is Opened; a pool
// the server broke is an error with the server's reason.
func (c *Client) untilOpened(ctx context.Context, op string) error {
	for c.pool.State() != psrp.PoolOpened {
		events, err := c.receive(ctx, "")
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		for _, ev := range events {
			if s, ok := ev.(psrp.PoolStateEvent); ok && s.State == psrp.PoolBroken {
				return fmt.Errorf("%s: %w", op, poolError(s))
			}
		}
	}
	return nil
}

// ErrPoolBroken is returned (wrapped) when the server broke the pool.
var ErrPoolBroken = errors.New("runspace pool broken")

func poolError(s psrp.PoolStateEvent) error {
	if s.Error != nil {
		return fmt.Errorf("%w: %s", ErrPoolBroken, s.Error.Message)
	}
	return ErrPoolBroken
}

// encode fragments the pool's queued messages into payloads.
func (c *Client) encode() ([][]byte, error) {
	out := c.pool.Outgoing()
	if len(out) == 0 {
		return nil, nil
	}
	p, err := c.codec.Encode(out...)
	if err != nil {
		return nil, fmt.Errorf("encoding %d psrp messages: %w", len(out), err)
	}
	return p, nil
}

// receive polls the shell (commandID "") or a pipeline once and feeds
// what came to the pool.
func (c *Client) receive(ctx context.Context, commandID string) ([]psrp.Event, error) {
	r, err := c.shell.Receive(ctx, commandID, "stdout")
	if err != nil {
		return nil, err
	}
	var events []psrp.Event
	for _, s := range r.Streams {
		evs, err := c.feed(commandID, s.Data)
		events = append(events, evs...)
		if err != nil {
			return events, err
		}
	}
	return events, nil
}

// feed decodes one payload of server fragments and feeds its messages to
// the pool; a 2.2+ capability raises the envelope size.
func (c *Client) feed(commandID string, data []byte) ([]psrp.Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	msgs, err := c.codec.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("decoding %s output: %w", streamOwner(commandID), err)
	}
	var events []psrp.Event
	for _, m := range msgs {
		evs, err := c.pool.Feed(m)
		if err != nil {
			return events, fmt.Errorf("%s: %w", streamOwner(commandID), err)
		}
		events = append(events, evs...)
		for _, ev := range evs {
			if cp, ok := ev.(psrp.CapabilityEvent); ok && !cp.Negotiated.Less(v22) {
				c.largeEnvelopes()
			}
		}
	}
	return events, nil
}

// v22 is protocol version 2.2 (Disconnect/Connect, large envelopes).
var v22 = clixml.Version{Major: 2, Minor: 2, Build: -1, Revision: -1}

// largeEnvelopes raises the envelope and fragment size after a 2.2+
// server's capability (pypsrp and PowerShell do the same).
func (c *Client) largeEnvelopes() {
	c.shell.SetMaxEnvelopeSize(envelopeLarge)
	if n, err := psrp.MaxPayloadSize(envelopeLarge, psrp.DefaultEnvelopeOverhead); err == nil {
		_ = c.codec.Fragmenter().SetMaxPayloadSize(n)
	}
}

func streamOwner(commandID string) string {
	if commandID == "" {
		return "runspace pool"
	}
	return "pipeline " + commandID
}

// Pool is the runspace pool (read its state, protocol version, private
// data). Do not call its methods while Invoke runs.
func (c *Client) Pool() *psrp.RunspacePool { return c.pool }

// ShellID is the WS-Man ShellId (the runspace pool id).
func (c *Client) ShellID() string { return c.shell.ID() }

// Close deletes the shell (the runspace pool with it) and releases the
// connection. It is safe to call more than once.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	pool := c.pool
	c.mu.Unlock()
	if pool == nil || pool.State() == psrp.PoolClosed {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := c.shell.Delete(ctx)
	c.mu.Lock()
	pool.Closed()
	c.mu.Unlock()
	c.wc.Close()
	if err != nil {
		return fmt.Errorf("closing runspace pool %s: %w", c.shell.ID(), err)
	}
	return nil
}
