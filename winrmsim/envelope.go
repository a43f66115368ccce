package winrmsim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// Namespace URIs matched by the parser (prefixes are free).
const (
	nsShell   = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	uriCmd    = nsShell + "/cmd"
	actCreate = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	actDelete = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	actCmd    = nsShell + "/Command"
	actSend   = nsShell + "/Send"
	actRecv   = nsShell + "/Receive"
	actSignal = nsShell + "/Signal"
)

// request is the parsed part of a WS-Man envelope the simulator needs.
type request struct {
	Action, MessageID, ResourceURI, ShellID, OperationTimeout string
	Options                                                   map[string]string
	Command                                                   string
	Arguments                                                 []string
	CommandID                                                 string // Send/Receive/Signal CommandId attribute
	SignalCode                                                string
	StdinB64                                                  string
	StdinEnd                                                  bool
	IdleTimeOut                                               string // Create: rsp:Shell/rsp:IdleTimeOut
	MaxEnvelopeSize                                           int    // wsman:MaxEnvelopeSize, 0 when absent
	CreateShellID                                             string // Create: rsp:Shell's ShellId attribute (PSRP: the pool id)
	CreationXML                                               string // Create: PSRP's creationXml (base64)
}

// parseEnvelope reads a SOAP envelope by local names and namespaces, never
// by prefixes, so env/s, a/wsa and w/wsman spellings all work.
func parseEnvelope(body []byte) (*request, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	r := &request{Options: map[string]string{}}
	var path []string
	var text strings.Builder
	var optName, selName string
	sawEnvelope := false
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			return nil, fmt.Errorf("parse envelope: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(path) == 0 {
				if t.Name.Local != "Envelope" {
					return nil, fmt.Errorf("parse envelope: root element %q is not Envelope", t.Name.Local)
				}
				sawEnvelope = true
			}
			path = append(path, t.Name.Local)
			text.Reset()
			switch t.Name.Local {
			case "Option":
				optName = attr(t, "Name")
			case "Shell":
				r.CreateShellID = attr(t, "ShellId")
			case "Selector":
				selName = attr(t, "Name")
			case "Stream":
				r.CommandID = attr(t, "CommandId")
				r.StdinEnd = strings.EqualFold(attr(t, "End"), "true")
			case "DesiredStream", "Signal", "CommandLine":
				if id := attr(t, "CommandId"); id != "" {
					r.CommandID = id
				}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			v := strings.TrimSpace(text.String())
			switch t.Name.Local {
			case "Action":
				r.Action = v
			case "MessageID":
				r.MessageID = v
			case "ResourceURI":
				r.ResourceURI = v
			case "OperationTimeout":
				r.OperationTimeout = v
			case "MaxEnvelopeSize":
				r.MaxEnvelopeSize, _ = strconv.Atoi(strings.TrimSpace(v))
			case "IdleTimeOut":
				r.IdleTimeOut = v
			case "creationXml":
				r.CreationXML = v
			case "Option":
				r.Options[strings.ToUpper(optName)] = v
			case "Selector":
				if strings.EqualFold(selName, "ShellId") {
					r.ShellID = v
				}
			case "Command":
				r.Command = text.String()
			case "Arguments":
				r.Arguments = append(r.Arguments, text.String())
			case "Code":
				if len(path) >= 2 && path[len(path)-2] == "Signal" {
					r.SignalCode = v
				}
			case "Stream":
				r.StdinB64 = v
			}
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
			text.Reset()
		}
	}
	if !sawEnvelope {
		return nil, fmt.Errorf("parse envelope: %w", errNoEnvelope)
	}
	return r, nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
