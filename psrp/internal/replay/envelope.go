package replay

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Namespace URIs the envelopes use.
const (
	NSSoap       = "http://www.w3.org/2003/05/soap-envelope"
	NSAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	NSWSMan      = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	NSWSMV       = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
	NSShell      = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	NSPowerShell = "http://schemas.microsoft.com/powershell"
	NSWSManFault = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
)

// Envelope is one parsed SOAP envelope with the WS-Management facts PSRP
// replay tests need.
type Envelope struct {
	Root            *Node
	Action          Action
	ActionURI       string
	Response        bool   // an …Response or a fault
	MessageID       string // a:MessageID, "uuid:…"
	RelatesTo       string // a:RelatesTo of a response
	ResourceURI     string
	MaxEnvelopeSize int    // w:MaxEnvelopeSize of a request, 0 if absent
	ShellID         string // the ShellId selector, rsp:Shell/@ShellId or rsp:ShellId
	CommandID       string // the pipeline the envelope concerns, if any
	Fault           *Fault
	Payloads        []Payload
}

// Fault is a SOAP fault's codes and text.
type Fault struct {
	Code, Subcode string // s:Code/s:Value, s:Subcode/s:Value
	Reason        string
	WSManCode     string // the Code attribute of the WSManFault detail
	Message       string // the WSManFault's message text
}

// Payload is one base64 PSRP payload of an envelope.
type Payload struct {
	// Element is the local name of the element that carries it:
	// creationXml, connectXml, connectResponseXml, Arguments or Stream.
	Element string
	// Stream is the rsp:Stream Name ("stdin", "pr", "stdout"), else "".
	Stream string
	// CommandID is the stream's CommandId (a pipeline), else "".
	CommandID string
	// End reports the stream's End="true".
	End bool
	// Data is the decoded payload, possibly empty (an End marker).
	Data []byte
}

// ParseEnvelope parses a SOAP envelope.
func ParseEnvelope(soap string) (*Envelope, error) {
	root, err := ParseXML(soap)
	if err != nil {
		return nil, fmt.Errorf("parsing envelope: %w", err)
	}
	if !root.Is(NSSoap, "Envelope") {
		return nil, fmt.Errorf("parsing envelope: root element %s %q: %w", root.Name.Local, root.Name.Space, ErrNoElement)
	}
	e := &Envelope{Root: root}
	header := root.Find(NSSoap, "Header")
	e.ActionURI = header.Find(NSAddressing, "Action").TrimmedText()
	e.Action, e.Response = ClassifyAction(e.ActionURI)
	e.MessageID = header.Find(NSAddressing, "MessageID").TrimmedText()
	e.RelatesTo = header.Find(NSAddressing, "RelatesTo").TrimmedText()
	e.ResourceURI = header.Find(NSWSMan, "ResourceURI").TrimmedText()
	if s := header.Find(NSWSMan, "MaxEnvelopeSize").TrimmedText(); s != "" {
		if e.MaxEnvelopeSize, err = strconv.Atoi(s); err != nil {
			return nil, fmt.Errorf("parsing envelope %s: MaxEnvelopeSize %q: %w", e.MessageID, s, err)
		}
	}
	body := root.Find(NSSoap, "Body")
	e.ShellID = shellID(header, body)
	e.CommandID = commandID(body)
	e.Fault = parseFault(body)
	if e.Fault != nil {
		e.Action, e.Response = ActionFault, true
	}
	if e.Payloads, err = payloads(body); err != nil {
		return nil, fmt.Errorf("parsing envelope %s (%s): %w", e.MessageID, e.Action, err)
	}
	return e, nil
}

func shellID(header, body *Node) string {
	for _, sel := range header.FindAll(NSWSMan, "Selector") {
		if name, _ := sel.Attr("Name"); name == "ShellId" {
			return sel.TrimmedText()
		}
	}
	if id, ok := body.Find(NSShell, "Shell").Attr("ShellId"); ok {
		return id
	}
	for _, n := range body.FindAll(NSShell, "ShellId") {
		return n.TrimmedText()
	}
	for _, sel := range body.FindAll(NSWSMan, "Selector") {
		if name, _ := sel.Attr("Name"); name == "ShellId" {
			return sel.TrimmedText()
		}
	}
	return ""
}

func commandID(body *Node) string {
	for _, local := range []string{"CommandLine", "Signal", "DesiredStream"} {
		if id, ok := body.Find(NSShell, local).Attr("CommandId"); ok {
			return id
		}
	}
	if n := body.Find(NSShell, "CommandId"); n != nil {
		return n.TrimmedText()
	}
	for _, s := range body.FindAll(NSShell, "Stream") {
		if id, ok := s.Attr("CommandId"); ok {
			return id
		}
	}
	return ""
}

func parseFault(body *Node) *Fault {
	f := body.Find(NSSoap, "Fault")
	if f == nil {
		return nil
	}
	code := f.Find(NSSoap, "Code")
	out := &Fault{
		Code:   code.Find(NSSoap, "Value").TrimmedText(),
		Reason: f.Find(NSSoap, "Reason").Find(NSSoap, "Text").TrimmedText(),
	}
	out.Subcode = code.Find(NSSoap, "Subcode").Find(NSSoap, "Value").TrimmedText()
	if w := f.Find(NSWSManFault, "WSManFault"); w != nil {
		out.WSManCode, _ = w.Attr("Code")
		out.Message = strings.TrimSpace(allText(w.Find(NSWSManFault, "Message")))
	}
	return out
}

func allText(n *Node) string {
	if n == nil {
		return ""
	}
	s := n.Text
	for _, c := range n.Children {
		s += allText(c)
	}
	return s
}

func payloads(body *Node) ([]Payload, error) {
	var out []Payload
	var walk func(n *Node) error
	walk = func(n *Node) error {
		p, ok := payloadOf(n)
		if ok {
			data, err := base64.StdEncoding.DecodeString(n.TrimmedText())
			if err != nil {
				return fmt.Errorf("payload in %s: %w: %w", n.Name.Local, err, ErrBadPayload)
			}
			p.Data = data
			out = append(out, p)
			return nil
		}
		for _, c := range n.Children {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if body == nil {
		return nil, nil
	}
	return out, walk(body)
}

func payloadOf(n *Node) (Payload, bool) {
	switch {
	case n.Is(NSPowerShell, "creationXml"), n.Is(NSPowerShell, "connectXml"), n.Is(NSPowerShell, "connectResponseXml"):
		return Payload{Element: n.Name.Local}, true
	case n.Is(NSShell, "Arguments"):
		return Payload{Element: "Arguments"}, true
	case n.Is(NSShell, "Stream"):
		p := Payload{Element: "Stream"}
		p.Stream, _ = n.Attr("Name")
		p.CommandID, _ = n.Attr("CommandId")
		end, _ := n.Attr("End")
		p.End = strings.EqualFold(end, "true")
		return p, true
	}
	return Payload{}, false
}

// IsFault reports whether the envelope is a SOAP fault.
func (e *Envelope) IsFault() bool { return e != nil && e.Fault != nil }
