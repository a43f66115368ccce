package winrmsim

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"strconv"
	"strings"
)

const envOpen = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">`

// newGUID returns an upper-case v4 GUID as Windows prints them.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]))
}

// envelope wraps body in the reply header shape of the recordings.
func envelope(action, relatesTo, body string) string {
	var b strings.Builder
	b.WriteString(envOpen)
	b.WriteString(`<s:Header><a:Action>` + action + `</a:Action><a:MessageID>uuid:` + newGUID() +
		`</a:MessageID><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>` +
		html.EscapeString(relatesTo) + `</a:RelatesTo></s:Header><s:Body>`)
	b.WriteString(body)
	b.WriteString(`</s:Body></s:Envelope>`)
	return b.String()
}

// wsmanFault describes one of the real faults the simulator produces.
type wsmanFault struct {
	Code    string // s:Sender | s:Receiver
	Subcode string // w:InvalidSelectors …
	Detail  string // optional w:FaultDetail URI
	WSCode  uint32 // f:WSManFault Code
	Message string
}

var (
	faultTimedOut = wsmanFault{"s:Receiver", "w:TimedOut", "", 2150858793,
		"The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "}
	faultUnknownCommand = wsmanFault{"s:Sender", "w:InvalidSelectors", "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors", 2150858843,
		"The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. "}
	faultUnknownShell = wsmanFault{"s:Sender", "w:InvalidSelectors", "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors", 2150858843,
		"The request for the Windows Remote Shell with ShellId %s failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. "}
	faultMaxShells = wsmanFault{"s:Receiver", "w:InternalError", "", 2150859173,
		"The WS-Management service cannot process the request. This user is allowed a maximum number of %d concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. "}
	faultMaxOps = wsmanFault{"s:Receiver", "w:InternalError", "", 2150859174,
		"The WS-Management service cannot process the request. This user is allowed a maximum number of %d concurrent operations, which has been exceeded. Close existing operations for this user, or raise the quota for this user. "}
	faultBadURI = wsmanFault{"s:Sender", "w:DestinationUnreachable", "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidResourceURI", 2150858811,
		"The WS-Management service cannot process the request. The resource URI (%s) was not found in the WS-Management catalog. The catalog contains the metadata that describes resources, or logical endpoints. "}
	// faultBadCreation answers a PowerShell Create without a usable
	// creationXml (the simulator's own wording; no recording has one).
	faultBadCreation = wsmanFault{"s:Sender", "w:InvalidParameter", "", 2150858882,
		"The WS-Management service cannot process the request because the creationXml of the runspace pool is missing or invalid. "}
	faultBadAction = wsmanFault{"s:Sender", "a:ActionNotSupported", "", 2150858771,
		"The WS-Management service cannot process the request because the action %s is not supported. "}
)

// render returns the fault envelope (sent with status 500).
func (f wsmanFault) render(relatesTo, machine string, args ...any) string {
	msg := f.Message
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	msg = html.EscapeString(msg)
	detail := ""
	if f.Detail != "" {
		detail = `<w:FaultDetail>` + f.Detail + `</w:FaultDetail>`
	}
	body := `<s:Fault><s:Code><s:Value>` + f.Code + `</s:Value><s:Subcode><s:Value>` + f.Subcode +
		`</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">` + msg +
		`</s:Text></s:Reason><s:Detail>` + detail +
		`<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="` + fmt.Sprint(f.WSCode) +
		`" Machine="` + html.EscapeString(machine) + `"><f:Message>` + msg + `</f:Message></f:WSManFault></s:Detail></s:Fault>`
	return envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relatesTo, body)
}

// receiveBody is a ReceiveResponse: one rsp:Stream per child write, and
// when done the empty End="true" streams, CommandState Done and ExitCode
// (the shape of the recordings).
func receiveBody(commandID string, out []chunk, done bool, code int) string {
	var b strings.Builder
	b.WriteString(`<rsp:ReceiveResponse>`)
	for _, ch := range out {
		b.WriteString(`<rsp:Stream Name="` + ch.Stream + `" CommandId="` + commandID + `">` + base64.StdEncoding.EncodeToString(ch.Data) + `</rsp:Stream>`)
	}
	state := "Running"
	if done {
		state = "Done"
		b.WriteString(`<rsp:Stream Name="stdout" CommandId="` + commandID + `" End="true"></rsp:Stream><rsp:Stream Name="stderr" CommandId="` + commandID + `" End="true"></rsp:Stream>`)
	}
	b.WriteString(`<rsp:CommandState CommandId="` + commandID + `" State="` + nsShell + `/CommandState/` + state + `">`)
	if done {
		b.WriteString(`<rsp:ExitCode>` + strconv.Itoa(code) + `</rsp:ExitCode>`)
	}
	b.WriteString(`</rsp:CommandState></rsp:ReceiveResponse>`)
	return b.String()
}
