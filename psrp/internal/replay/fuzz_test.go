package replay_test

import (
	"testing"

	"github.com/psgate/psgate/psrp/internal/replay"
)

// FuzzParseEnvelope parses arbitrary text as a SOAP envelope: it must never
// panic, and what parses must normalise.
func FuzzParseEnvelope(f *testing.F) {
	f.Add(receiveResponse)
	f.Add(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code></s:Fault></s:Body></s:Envelope>`)
	f.Fuzz(func(t *testing.T, doc string) {
		e, err := replay.ParseEnvelope(doc)
		if err != nil {
			return
		}
		replay.NewNormalizer().Normalize(e.Root)
		_ = e.Action.String()
	})
}
