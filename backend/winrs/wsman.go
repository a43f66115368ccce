package winrs

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

const (
	signalCtrlC      = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c"
	signalTerminate  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate"
	actionSignal     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
	resourceCmdShell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
	stateDone        = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
	anonymous        = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
)

// newSignalRequest builds a Signal envelope with any code; masterzen's
// NewSignalRequest hard-codes terminate and it has no ctrl_c API, so the
// ctrl_c envelope is ours (reference/winrm.md §1.6), posted through the
// same transport as everything else.
func newSignalRequest(url, shellID, commandID, code string, params *winrm.Parameters) *soap.SoapMessage {
	m := soap.NewMessage()
	m.Header().
		To(url).
		ReplyTo(anonymous).
		MaxEnvelopeSize(params.EnvelopeSize).
		Id(newMessageID()).
		Locale(params.Locale).
		Timeout(params.Timeout).
		Action(actionSignal).
		ResourceURI(resourceCmdShell).
		ShellId(shellID).
		Build()
	sig := m.CreateBodyElement("Signal", soap.DOM_NS_WIN_SHELL)
	sig.SetAttr("CommandId", commandID)
	c := m.CreateElement(sig, "Code", soap.DOM_NS_WIN_SHELL)
	c.SetContent(code)
	return m
}

// newMessageID is a random (v4) uuid: URN.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// chunk is one rsp:Stream of a Receive reply, in document order.
type chunk struct {
	stream string
	data   []byte
}

// receiveReply is a parsed ReceiveResponse. masterzen's
// ParseSlurpOutputErrResponse writes stdout and stderr to two buffers and so
// loses their interleaving; this parser keeps the order of the streams.
type receiveReply struct {
	chunks   []chunk
	done     bool
	exitCode int
}

func parseReceive(body string) (receiveReply, error) {
	var r receiveReply
	dec := xml.NewDecoder(strings.NewReader(body))
	var (
		inStream, inExit bool
		name             string
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
				inStream, name = true, attr(t, "Name")
				text.Reset()
			case "CommandState":
				if attr(t, "State") == stateDone {
					r.done = true
				}
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
				r.chunks = append(r.chunks, chunk{stream: name, data: data})
			case inExit && t.Name.Local == "ExitCode":
				inExit = false
				r.exitCode, _ = strconv.Atoi(strings.TrimSpace(text.String()))
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
