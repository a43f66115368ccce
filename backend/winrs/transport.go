package winrs

import (
	"context"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"

	"github.com/psgate/psgate/backend/wsman"
)

// transport makes a wsman.Client a masterzen winrm.Transporter: masterzen
// builds the envelopes, the client sends them. The console posts through
// post, with its context, masterzen's envelopes (envelope) and wsman's own
// (the Signal masterzen cannot build).
type transport struct{ c *wsman.Client }

var _ winrm.Transporter = transport{}

// Transport implements winrm.Transporter; the client is configured already.
func (transport) Transport(*winrm.Endpoint) error { return nil }

// Post implements winrm.Transporter for callers holding only a
// winrm.Client; it is bounded by a generous default deadline.
func (t transport) Post(_ *winrm.Client, msg *soap.SoapMessage) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reply, err := t.post(ctx, envelope(msg))
	return string(reply), err
}

// envelope is the body of msg, an envelope masterzen built.
func envelope(msg *soap.SoapMessage) []byte { return []byte(msg.String()) }

// post sends one envelope and returns the reply body (wsman.Client.Post).
func (t transport) post(ctx context.Context, body []byte) ([]byte, error) {
	return t.c.Post(ctx, body)
}

// close is the client's Close; a zero transport has nothing to close.
func (t transport) close() {
	if t.c != nil {
		t.c.Close()
	}
}
