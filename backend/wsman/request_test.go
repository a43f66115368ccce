package wsman

import (
	"strings"
	"testing"
	"time"
)

// The shapes the recordings do not cover: Disconnect with an idle timeout,
// Create with one, a fractional OperationTimeout, escaping.
func TestRequestShapes(t *testing.T) {
	h := Header{To: "https://h:5986/wsman", ResourceURI: PowerShellResourceURI("HelpDesk"), ShellID: "S<1>",
		MaxEnvelopeSize: 512000, OperationTimeout: 1500 * time.Millisecond, SessionID: "uuid:5E55"}
	tests := []struct {
		name string
		env  []byte
		want []string
	}{
		{"disconnect idle", Disconnect(h, 90*time.Second), []string{`<rsp:Disconnect><rsp:IdleTimeOut>PT90S</rsp:IdleTimeOut></rsp:Disconnect>`,
			`<w:OperationTimeout>PT1.500S</w:OperationTimeout>`, `<p:SessionId env:mustUnderstand="false">uuid:5E55</p:SessionId>`,
			`<w:Selector Name="ShellId">S&lt;1&gt;</w:Selector>`, `/Disconnect</a:Action>`}},
		{"disconnect buffer mode", DisconnectWith(h, DisconnectRequest{IdleTimeOut: time.Hour, BufferMode: BufferModeDrop}),
			[]string{`<rsp:Disconnect><rsp:IdleTimeOut>PT3600S</rsp:IdleTimeOut><rsp:BufferMode>Drop</rsp:BufferMode></rsp:Disconnect>`}},
		{"disconnect bare", DisconnectWith(h, DisconnectRequest{}), []string{`<rsp:Disconnect/>`}},
		{"create idle", Create(h, CreateRequest{ShellID: `a"b`, InputStreams: "stdin pr", OutputStreams: "stdout", IdleTimeOut: time.Hour}),
			[]string{`<rsp:Shell ShellId="a&#34;b"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><rsp:IdleTimeOut>PT3600S</rsp:IdleTimeOut></rsp:Shell>`,
				`<w:ResourceURI env:mustUnderstand="true">http://schemas.microsoft.com/powershell/HelpDesk</w:ResourceURI>`}},
		{"connect command", Connect(h, "C1", nil), []string{`<rsp:Connect CommandId="C1"/>`}},
		{"send end", Send(h, "", "pr", []byte("hi"), true), []string{`<rsp:Stream Name="pr" End="true">aGk=</rsp:Stream>`}},
		{"options", Receive(Header{Options: []Option{OptionKeepAlive, {Name: "x", Value: "<", MustComply: true}}}, "", "stdout"),
			[]string{`<w:OptionSet env:mustUnderstand="true"><w:Option Name="WSMAN_CMDSHELL_OPTION_KEEPALIVE">True</w:Option><w:Option Name="x" MustComply="true">&lt;</w:Option></w:OptionSet>`,
				`<rsp:DesiredStream>stdout</rsp:DesiredStream>`}},
	}
	for _, tt := range tests {
		for _, w := range tt.want {
			if !strings.Contains(string(tt.env), w) {
				t.Errorf("%s: lacks %s:\n%s", tt.name, w, tt.env)
			}
		}
		if strings.Contains(tt.name, "create") && strings.Contains(string(tt.env), "<w:SelectorSet>") {
			t.Errorf("create has a ShellId selector:\n%s", tt.env)
		}
		parseTree(t, tt.env) // well-formed
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"PT7200.000S": 2 * time.Hour, "P0DT0H0M9S": 9 * time.Second,
		"PT2147483.647S": 2147483647 * time.Millisecond, "P1DT1H": 25 * time.Hour, "PT0.5S": 500 * time.Millisecond} {
		if d, err := ParseDuration(s); err != nil || d != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, d, err, want)
		}
	}
	for _, s := range []string{"", "P", "T5S", "PT5", "P1Y", "PT1D", "P5S", "PT-1S", "P999999999D"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, d)
		}
	}
}
