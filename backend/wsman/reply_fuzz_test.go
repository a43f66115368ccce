package wsman

import "testing"

const createReply = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><x:ResourceCreated><a:ReferenceParameters><w:SelectorSet><w:Selector Name="ShellId">S1</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated><rsp:Shell><rsp:ShellId>S1</rsp:ShellId><rsp:ProcessId>392</rsp:ProcessId><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:State>Connected</rsp:State></rsp:Shell></s:Body></s:Envelope>`

const enumerateReply = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><n:EnumerateResponse><n:EnumerationContext></n:EnumerationContext><w:Items><rsp:Shell><rsp:ShellId>S1</rsp:ShellId><rsp:State>Disconnected</rsp:State></rsp:Shell><rsp:Command><rsp:CommandId>C1</rsp:CommandId><rsp:CommandState>Running</rsp:CommandState></rsp:Command></w:Items><w:EndOfSequence/></n:EnumerateResponse></s:Body></s:Envelope>`

const connectReply = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:ConnectResponse><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><connectResponseXml xmlns="http://schemas.microsoft.com/powershell">aGk=</connectResponseXml></rsp:ConnectResponse></s:Body></s:Envelope>`

func FuzzParseCreate(f *testing.F) {
	f.Add([]byte(createReply))
	f.Add([]byte(enumerateReply))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := ParseCreate(b); err == nil && s.ShellID == "" {
			t.Fatal("no error and no ShellId")
		}
		_, _ = ParseGet(b)
	})
}

func FuzzParseCommand(f *testing.F) {
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:CommandResponse><rsp:CommandId>C1</rsp:CommandId></rsp:CommandResponse></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if id, err := ParseCommand(b); err == nil && id == "" {
			t.Fatal("no error and no CommandId")
		}
	})
}

func FuzzParseConnect(f *testing.F) {
	f.Add([]byte(connectReply))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseConnect(b) })
}

func FuzzParseEnumerate(f *testing.F) {
	f.Add([]byte(enumerateReply))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseEnumerate(b) })
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT7200.000S", "P0DT0H0M9S", "PT2147483.647S", "P1D", "PT-1S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDuration(s); err == nil && d < 0 {
			t.Fatalf("%q: negative %v", s, d)
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><cfg:Config xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config"><cfg:MaxEnvelopeSizekb>500</cfg:MaxEnvelopeSizekb><cfg:Winrs><cfg:MaxShellsPerUser>30</cfg:MaxShellsPerUser></cfg:Winrs></cfg:Config></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseConfig(b) })
}
