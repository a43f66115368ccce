package replay_test

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/psgate/psgate/psrp/internal/replay"
)

// fixtureDir is shared/fixtures/pypsrp-responses beside the repository.
const fixtureDir = "../../../../shared/fixtures/pypsrp-responses"

func TestClassifyAction(t *testing.T) {
	tests := []struct {
		uri      string
		action   replay.Action
		response bool
	}{
		{"http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", replay.ActionCreate, false},
		{"http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", replay.ActionCreate, true},
		{"http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", replay.ActionDelete, false},
		{"http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", replay.ActionGet, false},
		{"http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse", replay.ActionEnumerate, true},
		{"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command", replay.ActionCommand, false},
		{"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SendResponse", replay.ActionSend, true},
		{"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive", replay.ActionReceive, false},
		{"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal", replay.ActionSignal, false},
		{"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Disconnect", replay.ActionDisconnect, false},
		{"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReconnectResponse", replay.ActionReconnect, true},
		{"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Connect", replay.ActionConnect, false},
		{"http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", replay.ActionFault, true},
		{"http://schemas.xmlsoap.org/ws/2004/08/addressing/fault", replay.ActionFault, true},
		{"urn:other", replay.ActionUnknown, false},
		{"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Frobnicate", replay.ActionUnknown, false},
	}
	for _, tt := range tests {
		a, resp := replay.ClassifyAction(tt.uri)
		if a != tt.action || resp != tt.response {
			t.Errorf("ClassifyAction(%q) = %s, %v; want %s, %v", tt.uri, a, resp, tt.action, tt.response)
		}
	}
}

const receiveResponse = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header><a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse</a:Action><a:MessageID>uuid:11111111-2222-3333-4444-555555555555</a:MessageID><a:RelatesTo>uuid:AAAAAAAA-2222-3333-4444-555555555555</a:RelatesTo></s:Header><s:Body><rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="C0FFEE00-2222-3333-4444-555555555555">aGk=</rsp:Stream><rsp:Stream Name="stdout" CommandId="C0FFEE00-2222-3333-4444-555555555555" End="true"></rsp:Stream><rsp:CommandState CommandId="C0FFEE00-2222-3333-4444-555555555555" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"/></rsp:ReceiveResponse></s:Body></s:Envelope>`

func TestParseEnvelope(t *testing.T) {
	e, err := replay.ParseEnvelope(receiveResponse)
	if err != nil {
		t.Fatal(err)
	}
	if e.Action != replay.ActionReceive || !e.Response || e.IsFault() {
		t.Errorf("action %s response %v fault %v", e.Action, e.Response, e.IsFault())
	}
	if e.CommandID != "C0FFEE00-2222-3333-4444-555555555555" || e.RelatesTo != "uuid:AAAAAAAA-2222-3333-4444-555555555555" {
		t.Errorf("CommandID %q RelatesTo %q", e.CommandID, e.RelatesTo)
	}
	want := []replay.Payload{
		{Element: "Stream", Stream: "stdout", CommandID: "C0FFEE00-2222-3333-4444-555555555555", Data: []byte("hi")},
		{Element: "Stream", Stream: "stdout", CommandID: "C0FFEE00-2222-3333-4444-555555555555", End: true, Data: []byte{}},
	}
	if diff := cmp.Diff(want, e.Payloads); diff != "" {
		t.Errorf("payloads (-want +got):\n%s", diff)
	}
}

func TestParseEnvelopeErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"not xml":      "<s:Envelope",
		"not soap":     "<x/>",
		"empty":        "",
		"bad base64":   `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><rsp:Send xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:Stream Name="stdin">!!</rsp:Stream></rsp:Send></s:Body></s:Envelope>`,
		"bad envelope": `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><w:MaxEnvelopeSize xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">big</w:MaxEnvelopeSize></s:Header></s:Envelope>`,
	} {
		if _, err := replay.ParseEnvelope(doc); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	_, err := replay.ParseEnvelope("<x/>")
	if !errors.Is(err, replay.ErrNoElement) {
		t.Errorf("non-SOAP root: error = %v, want ErrNoElement", err)
	}
}

// TestNormalize compares two envelopes that differ in prefixes, attribute
// order, ids and white space: they normalise to the same tree, and ids that
// were equal stay equal.
func TestNormalize(t *testing.T) {
	a := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><wsa:MessageID>uuid:11111111-2222-3333-4444-555555555555</wsa:MessageID><w:Option Name="x" MustComply="true">2.3</w:Option><wsa:RelatesTo>uuid:11111111-2222-3333-4444-555555555555</wsa:RelatesTo><w:Stamp>2018-06-14T01:02:03.456Z</w:Stamp></s:Header></s:Envelope>`
	b := `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">
  <env:Header>
    <a:MessageID>uuid:abcdefab-2222-3333-4444-555555555555</a:MessageID>
    <wsman:Option MustComply="true" Name="x"> 2.3 </wsman:Option>
    <a:RelatesTo>uuid:ABCDEFAB-2222-3333-4444-555555555555</a:RelatesTo>
    <wsman:Stamp>2026-12-04T17:00:00Z</wsman:Stamp>
  </env:Header>
</env:Envelope>`
	na, nb := mustParse(t, a), mustParse(t, b)
	if diff := cmp.Diff(replay.NewNormalizer().Normalize(na), replay.NewNormalizer().Normalize(nb)); diff != "" {
		t.Errorf("normalised trees differ (-a +b):\n%s", diff)
	}
	// RelatesTo differing from MessageID must show.
	c := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><wsa:MessageID>uuid:11111111-2222-3333-4444-555555555555</wsa:MessageID><w:Option Name="x" MustComply="true">2.3</w:Option><wsa:RelatesTo>uuid:99999999-2222-3333-4444-555555555555</wsa:RelatesTo><w:Stamp>2018-06-14T01:02:03.456Z</w:Stamp></s:Header></s:Envelope>`
	if cmp.Equal(replay.NewNormalizer().Normalize(na), replay.NewNormalizer().Normalize(mustParse(t, c))) {
		t.Error("a RelatesTo that differs from the MessageID normalised away")
	}
}

func mustParse(t *testing.T, doc string) *replay.Node {
	t.Helper()
	n, err := replay.ParseXML(doc)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLoadRecordings loads every PSRP recording and checks what the later
// replay tests rely on: every exchange has a request with a known action,
// responses relate to their requests, and every Create, Command, Send and
// Receive carries the ids and payloads it should.
func TestLoadRecordings(t *testing.T) {
	if _, err := os.Stat(fixtureDir); err != nil {
		t.Skipf("recordings not present: %v", err)
	}
	files, err := replay.Glob(fixtureDir, "test_psrp_*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no recordings")
	}
	actions := map[replay.Action]int{}
	payloads := 0
	for _, f := range files {
		for _, x := range f.Exchanges {
			req, resp := x.Request, x.Response
			if req.Action == replay.ActionUnknown || req.Response {
				t.Errorf("%s #%d: request action %q", f.Path, x.Index, req.ActionURI)
			}
			actions[req.Action]++
			payloads += len(req.Payloads)
			if resp == nil {
				if !x.HTTPError && x.TransportError == nil && x.Timeout == 0 {
					t.Errorf("%s #%d: no response and no error recorded", f.Path, x.Index)
				}
				continue
			}
			payloads += len(resp.Payloads)
			if resp.RelatesTo != req.MessageID {
				t.Errorf("%s #%d: RelatesTo %s, request MessageID %s", f.Path, x.Index, resp.RelatesTo, req.MessageID)
			}
			if resp.Action != req.Action && !resp.IsFault() {
				t.Errorf("%s #%d: %s answered by %s", f.Path, x.Index, req.Action, resp.Action)
			}
			if resp.IsFault() && (resp.Fault.Code == "" || resp.Fault.Reason == "") {
				t.Errorf("%s #%d: fault without code or reason: %+v", f.Path, x.Index, resp.Fault)
			}
			switch req.Action {
			case replay.ActionCreate:
				if req.ShellID == "" || len(req.Payloads) != 1 || req.Payloads[0].Element != "creationXml" {
					t.Errorf("%s #%d: Create shell %q payloads %+v", f.Path, x.Index, req.ShellID, req.Payloads)
				}
			case replay.ActionCommand:
				if len(req.Payloads) != 1 || req.Payloads[0].Element != "Arguments" || resp.CommandID == "" {
					t.Errorf("%s #%d: Command payloads %d, response CommandId %q", f.Path, x.Index, len(req.Payloads), resp.CommandID)
				}
			case replay.ActionSend:
				for _, p := range req.Payloads {
					if p.Stream != "stdin" && p.Stream != "pr" {
						t.Errorf("%s #%d: Send on stream %q", f.Path, x.Index, p.Stream)
					}
				}
			case replay.ActionReceive:
				for _, p := range resp.Payloads {
					if p.Stream != "stdout" {
						t.Errorf("%s #%d: Receive stream %q", f.Path, x.Index, p.Stream)
					}
				}
			}
			if req.Action != replay.ActionGet && req.Action != replay.ActionEnumerate && req.ShellID == "" && req.Action != replay.ActionCreate {
				t.Errorf("%s #%d: %s without a ShellId", f.Path, x.Index, req.Action)
			}
		}
	}
	t.Logf("%d recordings, %d payloads, requests by action: %v", len(files), payloads, actions)
	if actions[replay.ActionCreate] == 0 || actions[replay.ActionReceive] == 0 {
		t.Errorf("actions seen: %v", actions)
	}
}
