package winrmsim

import (
	"encoding/base64"
	"net/http"
	"strings"
	"sync"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/winrmsim/pwsh"
)

// nsPowerShell is the resource URI prefix of PowerShell session
// configurations: nsPowerShell + "/" + configuration name.
const nsPowerShell = "http://schemas.microsoft.com/powershell"

// Endpoint is a PowerShell session configuration the simulator serves.
// Every endpoint is, for now, a full-language PowerShell runspace.
type Endpoint struct{}

// DefaultConfiguration is the endpoint served when Config.Endpoints is empty.
const DefaultConfiguration = "Microsoft.PowerShell"

// psrpPayload is the largest fragment payload the server sends: one that
// takeEnvelope never splits in a reply of the default MaxEnvelopeSize.
const psrpPayload = (defaultMaxEnvelope-envelopeOverhead-streamOverhead)/4*3 - 3

// psrpPool is the server half of one runspace pool: its runspace (one
// interpreter kept across pipelines) and the encoder of its replies.
type psrpPool struct {
	rpid psrp.GUID
	rs   *pwsh.Runspace
	run  sync.Mutex // one pipeline at a time in the runspace

	mu    sync.Mutex // guards codec (object ids are per pool)
	codec *psrp.Codec
}

// encode fragments server messages into payloads, one chunk each.
func (p *psrpPool) encode(pid psrp.GUID, bodies ...psrp.Body) []chunk {
	msgs := make([]psrp.Message, 0, len(bodies))
	for _, b := range bodies {
		m, err := psrp.NewMessage(psrp.DestinationClient, p.rpid, pid, b)
		if err != nil {
			continue // the simulator's own bodies always encode
		}
		msgs = append(msgs, m)
	}
	return p.encodeMessages(msgs...)
}

func (p *psrpPool) encodeMessages(msgs ...psrp.Message) []chunk {
	p.mu.Lock()
	defer p.mu.Unlock()
	payloads, err := p.codec.Encode(msgs...)
	if err != nil {
		return nil
	}
	out := make([]chunk, len(payloads))
	for i, b := range payloads {
		out[i] = chunk{Stream: "stdout", Data: b}
	}
	return out
}

// endpoint finds the configuration a resource URI names.
func (s *Server) endpoint(uri string) (string, bool) {
	name := strings.TrimPrefix(uri, nsPowerShell+"/")
	if len(s.cfg.Endpoints) == 0 {
		return DefaultConfiguration, strings.EqualFold(name, DefaultConfiguration)
	}
	for n := range s.cfg.Endpoints {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// createPool opens a runspace pool: the Create's creationXml must hold the
// client's SESSION_CAPABILITY and INIT_RUNSPACEPOOL; the pool's Receive
// (no CommandId) then gets the server's capability, private data and the
// Opened state.
func (s *Server) createPool(user string, req *request) (int, string) {
	name, ok := s.endpoint(req.ResourceURI)
	if !ok {
		return s.fault(req, faultBadURI, req.ResourceURI)
	}
	rpid, msgs, err := creationMessages(req.CreationXML)
	if err != nil {
		return s.fault(req, faultBadCreation)
	}
	codec, _ := psrp.NewCodec(psrp.CodecConfig{MaxPayloadSize: psrpPayload})
	idle := s.cfg.IdleTimeout
	if d, ok := parseSeconds(req.IdleTimeOut); ok {
		idle = d
	}
	sh := newShell(user, idle)
	if req.CreateShellID != "" {
		sh.id = strings.ToUpper(req.CreateShellID)
	}
	rs := pwsh.NewRunspace(s.ctx, pwsh.Options{Codepage: 65001, Host: s.cfg.Hostname, User: windowsUser(s.cfg.Hostname, user)})
	sh.pool = &psrpPool{rpid: rpid, rs: rs, codec: codec}
	if f, arg, refused := s.admitShell(sh); refused {
		rs.Close()
		return s.fault(req, f, arg)
	}
	s.startPoolStream(sh, msgs)
	s.cfg.Logger.Info("runspace pool opened", "user", user, "configuration", name, "shell", sh.id)
	if s.cfg.OnPoolOpen != nil {
		s.cfg.OnPoolOpen(PoolOpen{User: user, Configuration: name, ShellID: sh.id})
	}
	uri := nsPowerShell + "/" + name
	body := `<x:ResourceCreated><a:Address>` + "http://" + s.cfg.Hostname + `:5985/wsman</a:Address><a:ReferenceParameters><w:ResourceURI>` + uri +
		`</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">` + sh.id + `</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` +
		`<rsp:Shell xmlns:rsp="` + nsShell + `"><rsp:ShellId>` + sh.id + `</rsp:ShellId><rsp:Name>WinRM1</rsp:Name><rsp:ResourceUri>` + uri + `</rsp:ResourceUri><rsp:Owner>` + user +
		`</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP><rsp:ProcessId>4242</rsp:ProcessId><rsp:IdleTimeOut>` + formatSeconds(idle) + `</rsp:IdleTimeOut><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><rsp:MaxIdleTimeOut>PT2147483.647S</rsp:MaxIdleTimeOut><rsp:Locale>en-US</rsp:Locale><rsp:DataLocale>en-US</rsp:DataLocale><rsp:CompressionMode>NoCompression</rsp:CompressionMode><rsp:ProfileLoaded>Yes</rsp:ProfileLoaded><rsp:Encoding>UTF8</rsp:Encoding><rsp:BufferMode>Block</rsp:BufferMode><rsp:State>Connected</rsp:State><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
	return http.StatusOK, envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", req.MessageID, body)
}

// creationMessages decodes the creationXml: the pool id and its messages.
func creationMessages(b64 string) (psrp.GUID, []psrp.Message, error) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return psrp.GUID{}, nil, err
	}
	codec, _ := psrp.NewCodec(psrp.CodecConfig{})
	msgs, err := codec.Decode(b)
	if err != nil {
		return psrp.GUID{}, nil, err
	}
	for _, m := range msgs {
		if m.Type == psrp.InitRunspacePool {
			return m.RPID, msgs, nil
		}
	}
	return psrp.GUID{}, nil, errNoInitPool
}

// startPoolStream registers the pool's own output (CommandId "") with the
// replies to the creation messages.
func (s *Server) startPoolStream(sh *shell, msgs []psrp.Message) {
	p := sh.pool
	st := newPSRPStream(p.rs.Close, nil)
	c := &command{id: "", proc: st, notify: make(chan struct{}), whole: true}
	sh.cmds[""] = c
	go c.pump(func() {})
	for _, m := range msgs {
		if m.Type != psrp.SessionCapability {
			continue
		}
		st.send(p.encode(psrp.GUID{}, serverCapability()))
		st.send(p.encodeMessages(psrp.Message{Destination: psrp.DestinationClient, Type: psrp.ApplicationPrivateData,
			RPID: p.rpid, BOM: true, Data: []byte(applicationPrivateData)}))
		st.send(p.encode(psrp.GUID{}, psrp.RunspacePoolStateMsg{State: psrp.PoolOpened}))
	}
}

// serverCapability is what Windows PowerShell 5.1 announces.
func serverCapability() psrp.SessionCapabilityMsg { return psrp.ClientCapability() }

// applicationPrivateData is APPLICATION_PRIVATE_DATA as Windows Server 2016
// (PowerShell 5.1.14393) sends it (test_psrp_open_runspace.yml).
const applicationPrivateData = `<Obj RefId="0"><MS><Obj N="ApplicationPrivateData" RefId="1"><TN RefId="0"><T>System.Management.Automation.PSPrimitiveDictionary</T><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><S N="Key">PSVersionTable</S><Obj N="Value" RefId="2"><TNRef RefId="0" /><DCT><En><S N="Key">PSVersion</S><Version N="Value">5.1.14393.2248</Version></En><En><S N="Key">PSEdition</S><S N="Value">Desktop</S></En><En><S N="Key">PSCompatibleVersions</S><Obj N="Value" RefId="3"><TN RefId="1"><T>System.Version[]</T><T>System.Array</T><T>System.Object</T></TN><LST><Version>1.0</Version><Version>2.0</Version><Version>3.0</Version><Version>4.0</Version><Version>5.0</Version><Version>5.1.14393.2248</Version></LST></Obj></En><En><S N="Key">CLRVersion</S><Version N="Value">4.0.30319.42000</Version></En><En><S N="Key">BuildVersion</S><Version N="Value">10.0.14393.2248</Version></En><En><S N="Key">WSManStackVersion</S><Version N="Value">3.0</Version></En><En><S N="Key">PSRemotingProtocolVersion</S><Version N="Value">2.3</Version></En><En><S N="Key">SerializationVersion</S><Version N="Value">1.1.0.1</Version></En></DCT></Obj></En></DCT></Obj></MS></Obj>`
