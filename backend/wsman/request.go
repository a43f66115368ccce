package wsman

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"time"
)

// Action URIs of the shell operations (WS-Transfer, WS-Enumeration and
// MS-WSMV 3.1.4).
const (
	ActionCreate     = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	ActionDelete     = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	ActionGet        = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
	ActionEnumerate  = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
	ActionCommand    = nsShell + "/Command"
	ActionSend       = nsShell + "/Send"
	ActionReceive    = nsShell + "/Receive"
	ActionDisconnect = nsShell + "/Disconnect"
	ActionReconnect  = nsShell + "/Reconnect"
	ActionConnect    = nsShell + "/Connect"

	// ResourceShells and ResourceCommands are the resource URIs an
	// Enumerate of shells and of one shell's commands is addressed to.
	ResourceShells   = nsShell
	ResourceCommands = nsShell + "/Command"
	// ResourceCmd is the WinRS cmd shell.
	ResourceCmd = nsShell + "/cmd"

	nsPowerShell  = "http://schemas.microsoft.com/powershell"
	nsEnumeration = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
	selectorDial  = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"
	// enumerateMaxElements is what pypsrp and PowerShell ask for.
	enumerateMaxElements = 32000
)

// PowerShellResourceURI is the resource URI of the PowerShell session
// configuration name ("Microsoft.PowerShell", a JEA endpoint's name).
func PowerShellResourceURI(configuration string) string {
	return nsPowerShell + "/" + configuration
}

// CreateRequest is the rsp:Shell of a Create (MS-WSMV 2.2.4.37).
type CreateRequest struct {
	// ShellID is the ShellId attribute: PSRP sets it to the runspace pool
	// id; "" lets the server choose.
	ShellID       string
	InputStreams  string // "stdin pr" (PSRP), "stdin" (cmd)
	OutputStreams string // "stdout" (PSRP), "stdout stderr" (cmd)
	// IdleTimeOut of the shell; 0 leaves the server's default.
	IdleTimeOut time.Duration
	// CreationXML is PSRP's creationXml payload (the session capability and
	// init runspace pool fragments); nil for none.
	CreationXML []byte
}

// Create builds a Create request; h.Action is set and h.ShellID ignored.
func Create(h Header, r CreateRequest) []byte {
	h.ShellID = ""
	b := begin(h, ActionCreate)
	b.WriteString(`<rsp:Shell`)
	attrIf(b, "ShellId", r.ShellID)
	b.WriteString(`>`)
	element(b, "rsp:InputStreams", "", r.InputStreams)
	element(b, "rsp:OutputStreams", "", r.OutputStreams)
	if r.IdleTimeOut > 0 {
		element(b, "rsp:IdleTimeOut", "", FormatDuration(r.IdleTimeOut))
	}
	if r.CreationXML != nil {
		payload(b, "creationXml", r.CreationXML)
	}
	b.WriteString(`</rsp:Shell>` + bodyEnd)
	return b.Bytes()
}

// attrIf writes the attribute name="value" unless value is "".
func attrIf(b *bytes.Buffer, name, value string) {
	if value == "" {
		return
	}
	b.WriteString(` ` + name + `="`)
	xmlEscape(b, value)
	b.WriteString(`"`)
}

// payload writes a PowerShell-namespace element holding data in base64.
func payload(b *bytes.Buffer, name string, data []byte) {
	b.WriteString(`<` + name + ` xmlns="` + nsPowerShell + `">`)
	b.WriteString(base64.StdEncoding.EncodeToString(data))
	b.WriteString(`</` + name + `>`)
}

// CommandRequest is the rsp:CommandLine of a Command (MS-WSMV 2.2.4.7).
type CommandRequest struct {
	// CommandID is the CommandId attribute: PSRP sets it to the pipeline
	// id; "" lets the server choose.
	CommandID string
	// Command is the command line (cmd); PSRP sends it empty.
	Command string
	// Arguments are the rsp:Arguments texts; PSRP sends one, the first
	// CREATE_PIPELINE fragment in base64 (PSRPArguments).
	Arguments []string
}

// PSRPArguments is the Arguments of a PSRP Command: data in base64.
func PSRPArguments(data []byte) []string { return []string{base64.StdEncoding.EncodeToString(data)} }

// Command builds a Command request in the shell h.ShellID.
func Command(h Header, r CommandRequest) []byte {
	b := begin(h, ActionCommand)
	b.WriteString(`<rsp:CommandLine`)
	attrIf(b, "CommandId", r.CommandID)
	b.WriteString(`>`)
	element(b, "rsp:Command", "", r.Command)
	for _, a := range r.Arguments {
		element(b, "rsp:Arguments", "", a)
	}
	b.WriteString(`</rsp:CommandLine>` + bodyEnd)
	return b.Bytes()
}

// Send builds a Send of data on stream ("stdin", or "pr" for PSRP's
// prompt responses) to commandID ("" for the shell: PSRP's runspace-pool
// messages); end marks the stream's end (End="true").
func Send(h Header, commandID, stream string, data []byte, end bool) []byte {
	b := begin(h, ActionSend)
	b.WriteString(`<rsp:Send><rsp:Stream Name="`)
	xmlEscape(b, stream)
	b.WriteString(`"`)
	attrIf(b, "CommandId", commandID)
	if end {
		b.WriteString(` End="true"`)
	}
	b.WriteString(`>` + base64.StdEncoding.EncodeToString(data) + `</rsp:Stream></rsp:Send>` + bodyEnd)
	return b.Bytes()
}

// OptionKeepAlive is the Receive option of PSRP clients
// (WSMAN_CMDSHELL_OPTION_KEEPALIVE=True): the server keeps the shell alive
// while the client polls.
var OptionKeepAlive = Option{Name: "WSMAN_CMDSHELL_OPTION_KEEPALIVE", Value: "True"}

// Receive builds a Receive of streams ("stdout" for PSRP, "stdout stderr"
// for cmd) from commandID ("" for the shell's own output).
func Receive(h Header, commandID, streams string) []byte {
	b := begin(h, ActionReceive)
	b.WriteString(`<rsp:Receive><rsp:DesiredStream`)
	attrIf(b, "CommandId", commandID)
	b.WriteString(`>`)
	xmlEscape(b, streams)
	b.WriteString(`</rsp:DesiredStream></rsp:Receive>` + bodyEnd)
	return b.Bytes()
}

// Delete builds a Delete of the shell h.ShellID.
func Delete(h Header) []byte { return emptyBody(h, ActionDelete) }

// Get builds a Get of the shell h.ShellID (its rsp:Shell, state included).
func Get(h Header) []byte { return emptyBody(h, ActionGet) }

// Reconnect builds a Reconnect to the disconnected shell h.ShellID by the
// client that disconnected it (same SessionID).
func Reconnect(h Header) []byte { return emptyBody(h, ActionReconnect) }

func emptyBody(h Header, action string) []byte {
	b := begin(h, action)
	b.WriteString(bodyEnd)
	return b.Bytes()
}

// begin starts an envelope: the header of h with action, and the start
// tag of the body.
func begin(h Header, action string) *bytes.Buffer {
	h.Action = action
	b := new(bytes.Buffer)
	writeHeader(b, h)
	b.WriteString(`<env:Body>`)
	return b
}

// bodyEnd closes the body and the envelope.
const bodyEnd = `</env:Body></env:Envelope>`

// Disconnect builds a Disconnect of the shell h.ShellID (MS-WSMV
// 3.1.4.15): idle, if not 0, is how long the server keeps the
// disconnected shell (rsp:IdleTimeOut).
func Disconnect(h Header, idle time.Duration) []byte {
	return DisconnectWith(h, DisconnectRequest{IdleTimeOut: idle})
}

// The output buffering modes of a disconnected shell (MS-WSMV 2.2.5.10):
// Block stops the pipeline when the server's buffer is full until a client
// connects; Drop goes on and drops the oldest output.
const (
	BufferModeBlock = "Block"
	BufferModeDrop  = "Drop"
)

// DisconnectRequest is the body of a Disconnect (MS-PSRP 3.1.5.3.16).
type DisconnectRequest struct {
	// IdleTimeOut overrides the shell's idle timeout while disconnected;
	// 0 leaves it.
	IdleTimeOut time.Duration
	// BufferMode is BufferModeBlock or BufferModeDrop; "" leaves the
	// shell's.
	BufferMode string
}

// DisconnectWith builds a Disconnect with r's options; with none the body
// is a bare <rsp:Disconnect/>, as the recordings send it.
func DisconnectWith(h Header, r DisconnectRequest) []byte {
	b := begin(h, ActionDisconnect)
	if r.IdleTimeOut <= 0 && r.BufferMode == "" {
		b.WriteString(`<rsp:Disconnect/>` + bodyEnd)
		return b.Bytes()
	}
	b.WriteString(`<rsp:Disconnect>`)
	if r.IdleTimeOut > 0 {
		element(b, "rsp:IdleTimeOut", "", FormatDuration(r.IdleTimeOut))
	}
	if r.BufferMode != "" {
		element(b, "rsp:BufferMode", "", r.BufferMode)
	}
	b.WriteString(`</rsp:Disconnect>` + bodyEnd)
	return b.Bytes()
}

// Connect builds a Connect to the disconnected shell h.ShellID (MS-WSMV
// 3.1.4.16) by a new client: with commandID "" the shell, connectXML its
// PSRP payload (session capability and connect runspace pool); else the
// command commandID, connectXML nil.
func Connect(h Header, commandID string, connectXML []byte) []byte {
	b := begin(h, ActionConnect)
	b.WriteString(`<rsp:Connect`)
	attrIf(b, "CommandId", commandID)
	if connectXML == nil {
		b.WriteString(`/>` + bodyEnd)
		return b.Bytes()
	}
	b.WriteString(`>`)
	payload(b, "connectXml", connectXML)
	b.WriteString(`</rsp:Connect>` + bodyEnd)
	return b.Bytes()
}

// Enumerate builds an Enumerate of h.ResourceURI: ResourceShells for the
// user's shells, ResourceCommands with shellID for one shell's commands
// (a SelectorFilter); h.ShellID is ignored.
func Enumerate(h Header, shellID string) []byte {
	h.ShellID = ""
	b := begin(h, ActionEnumerate)
	b.WriteString(`<n:Enumerate xmlns:n="` + nsEnumeration + `"><w:OptimizeEnumeration/><w:MaxElements>` +
		strconv.Itoa(enumerateMaxElements) + `</w:MaxElements>`)
	if shellID != "" {
		b.WriteString(`<w:Filter Dialect="` + selectorDial + `"><w:SelectorSet><w:Selector Name="ShellId">`)
		xmlEscape(b, shellID)
		b.WriteString(`</w:Selector></w:SelectorSet></w:Filter>`)
	}
	b.WriteString(`</n:Enumerate>` + bodyEnd)
	return b.Bytes()
}
