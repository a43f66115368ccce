package psrp

import (
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// Feed consumes one decoded server message and returns what it meant. It
// may queue client messages (a PUBLIC_KEY the server asked for). An error
// leaves the pool as it was: a message for an unknown pipeline, a body of
// the wrong shape, a key that does not decrypt.
func (p *RunspacePool) Feed(m Message) ([]Event, error) {
	if m.Destination != DestinationClient {
		return nil, fmt.Errorf("feeding %s to %s: %w", m.Type, m.Destination, ErrUnexpectedMessage)
	}
	b, err := DecodeBody(m)
	if err != nil {
		return nil, err
	}
	if m.Type>>16 == 0x0004 { // pipeline messages

		pl := p.pipelines[m.PID]
		if pl == nil {
			return nil, fmt.Errorf("%s for pipeline %s: %w", m.Type, m.PID, ErrUnexpectedMessage)
		}
		return pl.feed(b)
	}
	return p.feedPool(b)
}

func (p *RunspacePool) feedPool(b Body) ([]Event, error) {
	switch b := b.(type) {
	case SessionCapabilityMsg:
		p.server = &b
		p.negotiated = version23
		if b.ProtocolVersion.Less(version23) {
			p.negotiated = b.ProtocolVersion
		}
		return []Event{CapabilityEvent{Server: b, Negotiated: p.negotiated}}, nil
	case ApplicationPrivateDataMsg:
		p.privData = b.Data
		return []Event{PrivateDataEvent{Data: b.Data}}, nil
	case RunspacePoolStateMsg:
		p.state = b.State
		return []Event{PoolStateEvent(b)}, nil
	case RunspacePoolInitDataMsg:
		p.cfg.MinRunspaces, p.cfg.MaxRunspaces = b.MinRunspaces, b.MaxRunspaces
		if p.state == PoolConnecting {
			p.state = PoolOpened
		}
		return []Event{InitDataEvent{b}, PoolStateEvent{State: p.state}}, nil
	case RunspaceAvailabilityMsg:
		return []Event{AvailabilityEvent{b}}, nil
	case PublicKeyRequestMsg:
		return nil, p.RequestSessionKey()
	case EncryptedSessionKeyMsg:
		return p.sessionKeyArrived(b)
	case HostCallMsg:
		req, err := b.Request()
		if err != nil {
			return nil, err
		}
		return []Event{HostCallEvent{Call: b, Request: req}}, nil
	}
	return nil, fmt.Errorf("%s from the server: %w", b.MessageType(), ErrUnexpectedMessage)
}

// RequestSessionKey queues PUBLIC_KEY (once) so the server sends the
// session key SecureStrings need. Feed calls it for PUBLIC_KEY_REQUEST;
// call it before sending a SecureString yourself.
func (p *RunspacePool) RequestSessionKey() error {
	if p.keyPending || p.sessionKey != nil {
		return nil
	}
	if p.key == nil {
		k, err := GenerateExchangeKey()
		if err != nil {
			return err
		}
		p.key = k
	}
	blob, err := MarshalPublicKeyBlob(&p.key.PublicKey)
	if err != nil {
		return err
	}
	if err := p.queue(GUID{}, PublicKeyMsg{Blob: blob}); err != nil {
		return err
	}
	p.keyPending = true
	return nil
}

func (p *RunspacePool) sessionKeyArrived(b EncryptedSessionKeyMsg) ([]Event, error) {
	if p.key == nil {
		return nil, fmt.Errorf("session key without a key exchange: %w", ErrUnexpectedMessage)
	}
	k, err := DecryptSessionKey(p.key, b.Blob)
	if err != nil {
		return nil, err
	}
	p.sessionKey, p.keyPending = k, false
	return []Event{SessionKeyEvent{}}, nil
}

// HasSessionKey reports whether the key exchange completed.
func (p *RunspacePool) HasSessionKey() bool { return p.sessionKey != nil }

// SecureString encrypts s with the session key.
func (p *RunspacePool) SecureString(s string) (clixml.SecureString, error) {
	if p.sessionKey == nil {
		return nil, fmt.Errorf("encrypting a secure string before the key exchange: %w", ErrState)
	}
	b, err := EncryptSecureString(p.sessionKey, s)
	return clixml.SecureString(b), err
}

// DecryptSecureString decrypts a SecureString the server sent.
func (p *RunspacePool) DecryptSecureString(s clixml.SecureString) (string, error) {
	if p.sessionKey == nil {
		return "", fmt.Errorf("decrypting a secure string before the key exchange: %w", ErrState)
	}
	return DecryptSecureString(p.sessionKey, s)
}

func (p *RunspacePool) nextCallID() int64 {
	id := p.callID
	p.callID++
	return id
}

// SetMaxRunspaces queues SET_MAX_RUNSPACES; the AvailabilityEvent with the
// returned call id answers it.
func (p *RunspacePool) SetMaxRunspaces(n int32) (int64, error) {
	id := p.nextCallID()
	return id, p.queue(GUID{}, SetRunspacesMsg{Max: true, Count: n, CallID: id})
}

// SetMinRunspaces queues SET_MIN_RUNSPACES.
func (p *RunspacePool) SetMinRunspaces(n int32) (int64, error) {
	id := p.nextCallID()
	return id, p.queue(GUID{}, SetRunspacesMsg{Count: n, CallID: id})
}

// GetAvailableRunspaces queues GET_AVAILABLE_RUNSPACES.
func (p *RunspacePool) GetAvailableRunspaces() (int64, error) {
	id := p.nextCallID()
	return id, p.queue(GUID{}, CallIDMsg{Type: GetAvailableRunspaces, CallID: id})
}

// ResetRunspaceState queues RESET_RUNSPACE_STATE (protocol 2.3).
func (p *RunspacePool) ResetRunspaceState() (int64, error) {
	if p.negotiated.Less(version23) {
		return 0, fmt.Errorf("resetting runspace state at protocol %s: %w", p.negotiated, ErrUnsupported)
	}
	id := p.nextCallID()
	return id, p.queue(GUID{}, CallIDMsg{Type: ResetRunspaceState, CallID: id})
}
