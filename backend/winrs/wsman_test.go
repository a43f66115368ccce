package winrs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/masterzen/winrm"
)

func TestCtrlCEnvelope(t *testing.T) {
	p := winrm.NewParameters("PT20S", "en-US", 153600)
	m := newSignalRequest("http://h:5985/wsman", "SHELL-1", "CMD-2", signalCtrlC, p).String()
	for _, want := range []string{
		`<rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c</rsp:Code>`,
		`CommandId="CMD-2"`,
		`<w:Selector Name="ShellId">SHELL-1</w:Selector>`,
		`http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal</a:Action>`,
		`<w:OperationTimeout>PT20S</w:OperationTimeout>`,
		`<a:MessageID>uuid:`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("envelope lacks %s:\n%s", want, m)
		}
	}
}

const receiveDone = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:ReceiveResponse>` +
	`<rsp:Stream Name="stdout" CommandId="C">aGk=</rsp:Stream><rsp:Stream Name="stderr" CommandId="C">ZXJy</rsp:Stream><rsp:Stream Name="stdout" CommandId="C">Cg==</rsp:Stream>` +
	`<rsp:Stream Name="stdout" CommandId="C" End="true"></rsp:Stream><rsp:Stream Name="stderr" CommandId="C" End="true"></rsp:Stream>` +
	`<rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>3</rsp:ExitCode></rsp:CommandState>` +
	`</rsp:ReceiveResponse></s:Body></s:Envelope>`

func TestParseReceiveKeepsOrder(t *testing.T) {
	r, err := parseReceive(receiveDone)
	if err != nil {
		t.Fatal(err)
	}
	want := receiveReply{chunks: []chunk{{"stdout", []byte("hi")}, {"stderr", []byte("err")}, {"stdout", []byte("\n")}}, done: true, exitCode: 3}
	if diff := cmp.Diff(want, r, cmp.AllowUnexported(receiveReply{}, chunk{})); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if _, err := parseReceive(`<x><rsp:Stream xmlns:rsp="r" Name="stdout">!!</rsp:Stream></x>`); err == nil {
		t.Fatal("bad base64 accepted")
	}
}
