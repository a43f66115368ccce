package psrp

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// Errors of the client state machines.
var (
	// ErrState reports a call the pool or pipeline cannot take in its
	// current state (a pipeline before the pool opened, input after its end).
	ErrState = errors.New("psrp: not allowed in this state")
	// ErrUnsupported reports a feature the negotiated protocol version
	// lacks (Connect before 2.2, ResetRunspaceState before 2.3).
	ErrUnsupported = errors.New("psrp: not supported by the negotiated protocol version")
	// ErrUnexpectedMessage reports a server message the client did not
	// expect: a pipeline it never created, a type only clients send.
	ErrUnexpectedMessage = errors.New("psrp: unexpected message")
)

// PoolConfig configures a client RunspacePool. The zero value is a pool of
// one runspace without a host, with random ids.
type PoolConfig struct {
	// ID is the runspace pool id (RPID; also the WS-Man ShellId); zero
	// means random.
	ID GUID
	// MinRunspaces and MaxRunspaces default to 1.
	MinRunspaces, MaxRunspaces int32
	ThreadOptions              PSThreadOptions
	// ApartmentState defaults to ApartmentUnknown.
	ApartmentState *ApartmentState
	// Host is the client's host; nil means NullHost (no host calls).
	// ConsoleHost gives the server a full host, so $host.UI calls reach
	// the client as HostCallEvents.
	Host *HostInfo
	// ApplicationArguments ($PSSenderInfo.ApplicationArguments) is a
	// PSPrimitiveDictionary, or nil.
	ApplicationArguments *clixml.Object
	// ExchangeKey is the RSA key of the session key exchange; nil means
	// one is generated when the exchange starts.
	ExchangeKey *rsa.PrivateKey
	// NewID returns pipeline ids when a PipelineConfig has none; nil
	// means random.
	NewID func() GUID
}

// RunspacePool is the client half of a runspace pool, without I/O: calls
// queue client messages (drain them with Outgoing and send them), and Feed
// consumes the server's messages and returns what happened as Events.
//
// Transport mapping (WS-Management): the messages of Open go in the Create
// creationXml, those of Connect in the Connect connectXml; CREATE_PIPELINE
// and GET_COMMAND_METADATA go in a Command's arguments (the pipeline id is
// the CommandId); everything else in a Send on stdin, PIPELINE_INPUT and
// END_OF_PIPELINE_INPUT with the pipeline's CommandId, host responses on
// "pr" for a pipeline. Stopping a pipeline is a Signal (see Pipeline.Stop).
// A RunspacePool is not safe for concurrent use.
type RunspacePool struct {
	cfg        PoolConfig
	id         GUID
	state      RunspacePoolStateValue
	out        []Message
	server     *SessionCapabilityMsg
	negotiated clixml.Version
	privData   *clixml.Object
	key        *rsa.PrivateKey
	sessionKey []byte
	keyPending bool
	callID     int64
	pipelines  map[GUID]*Pipeline
}

// NewRunspacePool returns a pool in state BeforeOpen.
func NewRunspacePool(cfg PoolConfig) (*RunspacePool, error) {
	if cfg.MinRunspaces == 0 {
		cfg.MinRunspaces = 1
	}
	if cfg.MaxRunspaces == 0 {
		cfg.MaxRunspaces = cfg.MinRunspaces
	}
	if cfg.MinRunspaces < 1 || cfg.MaxRunspaces < cfg.MinRunspaces {
		return nil, fmt.Errorf("runspaces min %d max %d: %w", cfg.MinRunspaces, cfg.MaxRunspaces, ErrInvalidConfig)
	}
	if cfg.ApartmentState == nil {
		cfg.ApartmentState = ptr(ApartmentUnknown)
	}
	if cfg.Host == nil {
		cfg.Host = ptr(NullHost())
	}
	if cfg.NewID == nil {
		cfg.NewID = randomGUID
	}
	p := &RunspacePool{cfg: cfg, id: cfg.ID, key: cfg.ExchangeKey, negotiated: version23, pipelines: map[GUID]*Pipeline{}}
	if p.id.IsZero() {
		p.id = randomGUID()
	}
	return p, nil
}

func randomGUID() GUID {
	var g GUID
	_, _ = rand.Read(g[:])  // crypto/rand.Read never fails
	g[7] = g[7]&0x0f | 0x40 // version 4 (Data3 is little-endian)
	g[8] = g[8]&0x3f | 0x80
	return g
}

// ID is the pool's RPID.
func (p *RunspacePool) ID() GUID { return p.id }

// State is the pool's current state.
func (p *RunspacePool) State() RunspacePoolStateValue { return p.state }

// ProtocolVersion is the negotiated protocol version: 2.3 until the
// server's SESSION_CAPABILITY arrives, then the lower of the two.
func (p *RunspacePool) ProtocolVersion() clixml.Version { return p.negotiated }

// ApplicationPrivateData is the server's private data, nil before it came.
func (p *RunspacePool) ApplicationPrivateData() *clixml.Object { return p.privData }

// Outgoing returns the queued client messages, oldest first, and empties
// the queue.
func (p *RunspacePool) Outgoing() []Message {
	out := p.out
	p.out = nil
	return out
}

func (p *RunspacePool) queue(pid GUID, b Body) error {
	m, err := NewMessage(DestinationServer, p.id, pid, b)
	if err != nil {
		return err
	}
	p.out = append(p.out, m)
	return nil
}

// Open queues SESSION_CAPABILITY and INIT_RUNSPACEPOOL (the creationXml of
// the shell) and moves to NegotiationSent.
func (p *RunspacePool) Open() error {
	if p.state != PoolBeforeOpen {
		return fmt.Errorf("opening pool in state %s: %w", p.state, ErrState)
	}
	init := InitRunspacePoolMsg{MinRunspaces: p.cfg.MinRunspaces, MaxRunspaces: p.cfg.MaxRunspaces,
		ThreadOptions: p.cfg.ThreadOptions, ApartmentState: *p.cfg.ApartmentState, Host: *p.cfg.Host,
		ApplicationArguments: p.cfg.ApplicationArguments}
	if err := p.queue(GUID{}, ClientCapability()); err != nil {
		return err
	}
	if err := p.queue(GUID{}, init); err != nil {
		return err
	}
	p.state = PoolNegotiationSent
	return nil
}

// Connect queues SESSION_CAPABILITY and CONNECT_RUNSPACEPOOL (the
// connectXml) to attach to a disconnected pool with this pool's id; the
// server answers with RUNSPACEPOOL_INIT_DATA and APPLICATION_PRIVATE_DATA.
// It needs protocol 2.2, which the transport knows from the shell.
func (p *RunspacePool) Connect() error {
	if p.state != PoolBeforeOpen && p.state != PoolDisconnected {
		return fmt.Errorf("connecting pool in state %s: %w", p.state, ErrState)
	}
	if err := p.queue(GUID{}, ClientCapability()); err != nil {
		return err
	}
	if err := p.queue(GUID{}, ConnectRunspacePoolMsg{}); err != nil {
		return err
	}
	p.state = PoolConnecting
	return nil
}

// Disconnected records that the transport disconnected the shell
// (WS-Man Disconnect, protocol 2.2+); Connect reattaches.
func (p *RunspacePool) Disconnected() error {
	if p.negotiated.Less(version22) {
		return fmt.Errorf("disconnecting at protocol %s: %w", p.negotiated, ErrUnsupported)
	}
	p.state = PoolDisconnected
	return nil
}

// Reconnected records that the client that disconnected the shell
// reconnected it (WS-Man Reconnect): the pool is Opened again, its
// pipelines go on.
func (p *RunspacePool) Reconnected() error {
	if p.state != PoolDisconnected {
		return fmt.Errorf("reconnecting pool in state %s: %w", p.state, ErrState)
	}
	p.state = PoolOpened
	return nil
}

// Closed records that the transport deleted the shell; PowerShell sends
// no PSRP message for it.
func (p *RunspacePool) Closed() {
	p.state = PoolClosed
	for _, pl := range p.pipelines {
		if !pl.state.Terminal() {
			pl.state = PipelineStopped
		}
	}
}
