package wsman

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// URIs of the WinRS shell protocol (MS-WSMV) used outside one shell type.
const (
	ActionSignal    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
	SignalCtrlC     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c"
	SignalTerminate = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate"
	// SignalPSCtrlC stops a PowerShell pipeline and keeps its runspace
	// (MS-PSRP 3.1.5.3.x; pypsrp's PS_CTRL_C, test_psrp_nested_command.yml).
	SignalPSCtrlC = "powershell/signal/ctrl_c"
	// StateDone is the CommandState of a command that has ended.
	StateDone = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
	// StateRunning is the CommandState of a command still running.
	StateRunning = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"

	nsEnvelope   = "http://www.w3.org/2003/05/soap-envelope"
	nsAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsShell      = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	nsWSMan      = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	nsWSManMSFT  = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
	anonymous    = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
)

// Header is the WS-Addressing and WS-Management header of one request.
type Header struct {
	To          string // the endpoint's URL (Endpoint.URL)
	Action      string
	ResourceURI string
	// ShellID is the ShellId selector ("" for none).
	ShellID string
	// MaxEnvelopeSize in bytes (153600 is Windows' default).
	MaxEnvelopeSize int
	// OperationTimeout of the request (Endpoint.OperationTimeout).
	OperationTimeout time.Duration
	// Locale is the xml:lang of Locale and DataLocale, e.g. "en-US".
	Locale string
	// MessageID defaults to a new NewMessageID.
	MessageID string
	// SessionID is the MS-WSMV SessionId header ("uuid:…"; "" for none):
	// Windows lets a client that disconnected a shell Reconnect to it only
	// with the same SessionId.
	SessionID string
	// Options are the wsman:OptionSet of the request (none: no OptionSet).
	Options []Option
}

// Option is one wsman:Option of a request's OptionSet.
type Option struct {
	Name, Value string
	// MustComply makes the server fail the request rather than ignore the
	// option (MustComply="true").
	MustComply bool
}

// Signal builds a Signal request (MS-WSMV 3.1.4.12) with any code, e.g.
// SignalCtrlC, SignalTerminate or SignalPSCtrlC, for commandID in the
// shell h.ShellID; h.Action is set to ActionSignal.
func Signal(h Header, commandID, code string) []byte {
	b := begin(h, ActionSignal)
	b.WriteString(`<rsp:Signal CommandId="`)
	xmlEscape(b, commandID)
	b.WriteString(`"><rsp:Code>`)
	xmlEscape(b, code)
	b.WriteString("</rsp:Code></rsp:Signal>" + bodyEnd)
	return b.Bytes()
}

// writeHeader writes the XML declaration, the envelope's start tag and the
// header, with the prefixes masterzen uses (env, a, rsp, w, p) and the
// SOAP mustUnderstand attribute as Windows clients send it.
func writeHeader(b *bytes.Buffer, h Header) {
	if h.MessageID == "" {
		h.MessageID = NewMessageID()
	}
	b.WriteString(`<?xml version="1.0" encoding="utf-8" ?>` + "\n" +
		`<env:Envelope xmlns:env="` + nsEnvelope + `" xmlns:a="` + nsAddressing + `" xmlns:rsp="` + nsShell +
		`" xmlns:w="` + nsWSMan + `" xmlns:p="` + nsWSManMSFT + `"><env:Header>`)
	element(b, "a:To", "", h.To)
	b.WriteString(`<a:ReplyTo><a:Address env:mustUnderstand="true">` + anonymous + `</a:Address></a:ReplyTo>`)
	element(b, "w:MaxEnvelopeSize", mustUnderstand, strconv.Itoa(h.MaxEnvelopeSize))
	element(b, "w:OperationTimeout", "", FormatDuration(h.OperationTimeout))
	element(b, "a:MessageID", "", h.MessageID)
	if h.Locale != "" {
		b.WriteString(`<w:Locale env:mustUnderstand="false" xml:lang="`)
		xmlEscape(b, h.Locale)
		b.WriteString(`"/><p:DataLocale env:mustUnderstand="false" xml:lang="`)
		xmlEscape(b, h.Locale)
		b.WriteString(`"/>`)
	}
	if h.SessionID != "" {
		element(b, "p:SessionId", ` env:mustUnderstand="false"`, h.SessionID)
	}
	element(b, "a:Action", mustUnderstand, h.Action)
	if h.ShellID != "" {
		b.WriteString(`<w:SelectorSet><w:Selector Name="ShellId">`)
		xmlEscape(b, h.ShellID)
		b.WriteString(`</w:Selector></w:SelectorSet>`)
	}
	writeOptions(b, h.Options)
	element(b, "w:ResourceURI", mustUnderstand, h.ResourceURI)
	b.WriteString("</env:Header>")
}

const mustUnderstand = ` env:mustUnderstand="true"`

func writeOptions(b *bytes.Buffer, opts []Option) {
	if len(opts) == 0 {
		return
	}
	b.WriteString(`<w:OptionSet` + mustUnderstand + `>`)
	for _, o := range opts {
		b.WriteString(`<w:Option Name="`)
		xmlEscape(b, o.Name)
		b.WriteString(`"`)
		if o.MustComply {
			b.WriteString(` MustComply="true"`)
		}
		b.WriteString(`>`)
		xmlEscape(b, o.Value)
		b.WriteString(`</w:Option>`)
	}
	b.WriteString(`</w:OptionSet>`)
}

// element writes <name attrs>text</name>, text escaped.
func element(b *bytes.Buffer, name, attrs, text string) {
	b.WriteString("<" + name + attrs + ">")
	xmlEscape(b, text)
	b.WriteString("</" + name + ">")
}

func xmlEscape(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }

// FormatDuration formats d as an xs:duration in seconds: "PT20S" for whole
// seconds (as pypsrp and PowerShell send OperationTimeout), "PT0.500S"
// otherwise.
func FormatDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("PT%dS", d/time.Second)
	}
	return fmt.Sprintf("PT%.3fS", d.Seconds())
}

// NewMessageID is a random (v4) uuid: URN.
func NewMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Stream is one rsp:Stream of a Receive reply.
type Stream struct {
	Name      string // "stdout", "stderr", "pr" …
	CommandID string // "" when the stream is the shell's
	Data      []byte
}

// ReceiveResponse is a parsed rsp:ReceiveResponse. masterzen's
// ParseSlurpOutputErrResponse writes stdout and stderr to two buffers and so
// loses their interleaving; this parser keeps the streams in document order.
type ReceiveResponse struct {
	Streams []Stream
	// CommandID and State are the rsp:CommandState's ("" when the reply
	// has none, as a PSRP shell-level Receive).
	CommandID string
	State     string
	// Done: the CommandState is StateDone, with ExitCode.
	Done     bool
	ExitCode int
}

// ParseReceive parses a Receive reply; empty streams (End="true" markers)
// are left out.
func ParseReceive(body []byte) (ReceiveResponse, error) {
	var r ReceiveResponse
	dec := xml.NewDecoder(bytes.NewReader(body))
	var (
		inStream, inExit bool
		name, cmdID      string
		text             strings.Builder
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("parsing receive reply: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "Stream":
				inStream, name, cmdID = true, attr(t, "Name"), attr(t, "CommandId")
				text.Reset()
			case "CommandState":
				r.CommandID, r.State = attr(t, "CommandId"), attr(t, "State")
				r.Done = r.State == StateDone
			case "ExitCode":
				inExit = true
				text.Reset()
			}
		case xml.CharData:
			if inStream || inExit {
				text.Write(t)
			}
		case xml.EndElement:
			switch {
			case inStream && t.Name.Local == "Stream":
				inStream = false
				if text.Len() == 0 {
					continue
				}
				data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text.String()))
				if err != nil {
					return r, fmt.Errorf("stream %q: bad base64: %w", name, err)
				}
				r.Streams = append(r.Streams, Stream{Name: name, CommandID: cmdID, Data: data})
			case inExit && t.Name.Local == "ExitCode":
				inExit = false
				r.ExitCode, _ = strconv.Atoi(strings.TrimSpace(text.String()))
			}
		}
	}
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
