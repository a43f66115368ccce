package wsman

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCtrlCEnvelope(t *testing.T) {
	h := Header{To: "http://h:5985/wsman", ResourceURI: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
		ShellID: "SHELL-1", MaxEnvelopeSize: 153600, OperationTimeout: 20 * time.Second, Locale: "en-US"}
	m := string(Signal(h, "CMD-2", SignalCtrlC))
	for _, want := range []string{
		`<rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c</rsp:Code>`,
		`<rsp:Signal CommandId="CMD-2">`,
		`<w:Selector Name="ShellId">SHELL-1</w:Selector>`,
		`<a:Action env:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal</a:Action>`,
		`<w:ResourceURI env:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>`,
		`<w:OperationTimeout>PT20S</w:OperationTimeout>`,
		`<w:MaxEnvelopeSize env:mustUnderstand="true">153600</w:MaxEnvelopeSize>`,
		`<w:Locale env:mustUnderstand="false" xml:lang="en-US"/>`,
		`<a:To>http://h:5985/wsman</a:To>`,
		`<a:MessageID>uuid:`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("envelope lacks %s:\n%s", want, m)
		}
	}
	if err := xml.Unmarshal([]byte(m), new(struct{})); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, m)
	}
	// Values are escaped; two envelopes get two message IDs.
	m2 := string(Signal(Header{ShellID: `a<"&`}, `c"`, SignalTerminate))
	if !strings.Contains(m2, `Name="ShellId">a&lt;&#34;&amp;<`) || !strings.Contains(m2, `CommandId="c&#34;"`) {
		t.Errorf("values not escaped:\n%s", m2)
	}
	if id := func(s string) string { _, r, _ := strings.Cut(s, "<a:MessageID>"); return r[:41] }; id(m) == id(m2) {
		t.Errorf("message ID repeated: %s", id(m))
	}
}

const receiveDone = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:ReceiveResponse>` +
	`<rsp:Stream Name="stdout" CommandId="C">aGk=</rsp:Stream><rsp:Stream Name="stderr" CommandId="C">ZXJy</rsp:Stream><rsp:Stream Name="stdout" CommandId="C">Cg==</rsp:Stream>` +
	`<rsp:Stream Name="stdout" CommandId="C" End="true"></rsp:Stream><rsp:Stream Name="stderr" CommandId="C" End="true"></rsp:Stream>` +
	`<rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>3</rsp:ExitCode></rsp:CommandState>` +
	`</rsp:ReceiveResponse></s:Body></s:Envelope>`

func TestParseReceiveKeepsOrder(t *testing.T) {
	r, err := ParseReceive([]byte(receiveDone))
	if err != nil {
		t.Fatal(err)
	}
	want := ReceiveResponse{Streams: []Stream{{"stdout", "C", []byte("hi")}, {"stderr", "C", []byte("err")}, {"stdout", "C", []byte("\n")}},
		CommandID: "C", State: StateDone, Done: true, ExitCode: 3}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if _, err := ParseReceive([]byte(`<x><rsp:Stream xmlns:rsp="r" Name="stdout">!!</rsp:Stream></x>`)); err == nil {
		t.Fatal("bad base64 accepted")
	}
}

// FuzzParseReceive: any reply parses or fails without panicking; an
// error comes with what was parsed before it.
func FuzzParseReceive(f *testing.F) {
	f.Add([]byte(receiveDone))
	f.Add([]byte(`<rsp:Stream Name="stdout">aGk=`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseReceive(body)
		if err == nil && r.ExitCode != 0 && !bytes.Contains(body, []byte("ExitCode")) {
			t.Fatalf("exit code %d without an ExitCode element", r.ExitCode)
		}
	})
}
