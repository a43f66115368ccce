package winrmsim

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body/></s:Envelope>`))
	f.Add([]byte(`<env:Envelope xmlns:env="x"><env:Body><rsp:CommandLine xmlns:rsp="y"><rsp:Command><![CDATA[cmd]]></rsp:Command></rsp:CommandLine></env:Body></env:Envelope>`))
	if b, err := os.ReadFile(filepath.Join(fixtureDir, "test_winrs_standard.yml")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseEnvelope(b)
		if err == nil && r == nil {
			t.Fatal("nil request without error")
		}
		if err == nil && r.Options == nil {
			t.Fatal("nil options")
		}
	})
}

func TestParseEnvelopeNamespaces(t *testing.T) {
	doc := `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><env:Header><wsa:Action>A</wsa:Action><wsa:MessageID>uuid:1</wsa:MessageID><wsman:OptionSet><wsman:Option Name="WINRS_CODEPAGE">437</wsman:Option></wsman:OptionSet><wsman:SelectorSet><wsman:Selector Name="ShellId">S</wsman:Selector></wsman:SelectorSet></env:Header><env:Body><rsp:Send><rsp:Stream Name="stdin" CommandId="C" End="True">aGk=</rsp:Stream></rsp:Send></env:Body></env:Envelope>`
	r, err := parseEnvelope([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if r.Action != "A" || r.MessageID != "uuid:1" || r.ShellID != "S" || r.CommandID != "C" || !r.StdinEnd || r.StdinB64 != "aGk=" || r.Options["WINRS_CODEPAGE"] != "437" {
		t.Fatalf("parsed %+v", r)
	}
	if _, err := parseEnvelope([]byte(`<notenvelope/>`)); err == nil {
		t.Fatal("non-envelope accepted")
	}
}
