package wsman

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ErrBadReply reports a reply that lacks what its operation returns (no
// ShellId in a CreateResponse, no CommandId in a CommandResponse) or is not
// XML.
var ErrBadReply = errors.New("malformed wsman reply")

// ShellInfo is an rsp:Shell as Create, Get and Enumerate return it.
type ShellInfo struct {
	ShellID       string `xml:"ShellId"`
	ResourceURI   string `xml:"ResourceUri"`
	Owner         string `xml:"Owner"`
	ClientIP      string `xml:"ClientIP"`
	ProcessID     int    `xml:"ProcessId"`
	InputStreams  string `xml:"InputStreams"`
	OutputStreams string `xml:"OutputStreams"`
	// State is "Connected" or "Disconnected".
	State      string `xml:"State"`
	BufferMode string `xml:"BufferMode"` // "Block" or "Drop"
	// IdleTimeOut and MaxIdleTimeOut are the xs:durations as sent
	// ("PT7200.000S"); ParseDuration reads them.
	IdleTimeOut    string `xml:"IdleTimeOut"`
	MaxIdleTimeOut string `xml:"MaxIdleTimeOut"`
}

// CommandInfo is an rsp:Command of an Enumerate of commands.
type CommandInfo struct {
	CommandID string `xml:"CommandId"`
	// State is "Running" or "Done".
	State string `xml:"CommandState"`
}

// ConnectResponse is a parsed rsp:ConnectResponse: for a shell, its
// streams and PSRP's connectResponseXml; for a command, empty.
type ConnectResponse struct {
	InputStreams, OutputStreams string
	ConnectResponseXML          []byte
}

// EnumerateResponse is the items of an EnumerateResponse.
type EnumerateResponse struct {
	Shells   []ShellInfo
	Commands []CommandInfo
}

// ParseCreate reads the shell out of a CreateResponse: its rsp:Shell, or
// for a server that returns only x:ResourceCreated, the ShellId selector.
func ParseCreate(body []byte) (ShellInfo, error) {
	var s ShellInfo
	found, err := decodeFirst(body, nsShell, "Shell", &s)
	if err != nil {
		return s, fmt.Errorf("parsing create reply: %w", err)
	}
	if !found || s.ShellID == "" {
		s.ShellID = selectorShellID(body)
	}
	if s.ShellID == "" {
		return s, fmt.Errorf("parsing create reply: no ShellId: %w", ErrBadReply)
	}
	return s, nil
}

// ParseGet reads the rsp:Shell of a GetResponse.
func ParseGet(body []byte) (ShellInfo, error) {
	var s ShellInfo
	found, err := decodeFirst(body, nsShell, "Shell", &s)
	if err == nil && (!found || s.ShellID == "") {
		err = fmt.Errorf("no rsp:Shell: %w", ErrBadReply)
	}
	if err != nil {
		return s, fmt.Errorf("parsing get reply: %w", err)
	}
	return s, nil
}

// ParseCommand returns the CommandId of a CommandResponse.
func ParseCommand(body []byte) (string, error) {
	var id string
	found, err := decodeFirst(body, nsShell, "CommandId", &id)
	id = strings.TrimSpace(id)
	if err == nil && (!found || id == "") {
		err = fmt.Errorf("no CommandId: %w", ErrBadReply)
	}
	if err != nil {
		return "", fmt.Errorf("parsing command reply: %w", err)
	}
	return id, nil
}

// ParseConnect reads a ConnectResponse.
func ParseConnect(body []byte) (ConnectResponse, error) {
	var raw struct {
		InputStreams  string `xml:"InputStreams"`
		OutputStreams string `xml:"OutputStreams"`
		XML           string `xml:"http://schemas.microsoft.com/powershell connectResponseXml"`
	}
	found, err := decodeFirst(body, nsShell, "ConnectResponse", &raw)
	if err == nil && !found {
		err = fmt.Errorf("no rsp:ConnectResponse: %w", ErrBadReply)
	}
	if err != nil {
		return ConnectResponse{}, fmt.Errorf("parsing connect reply: %w", err)
	}
	r := ConnectResponse{InputStreams: raw.InputStreams, OutputStreams: raw.OutputStreams}
	if s := strings.TrimSpace(raw.XML); s != "" {
		if r.ConnectResponseXML, err = base64.StdEncoding.DecodeString(s); err != nil {
			return r, fmt.Errorf("parsing connect reply: connectResponseXml: %w: %w", err, ErrBadReply)
		}
	}
	return r, nil
}

// ParseEnumerate reads the shells and commands of an EnumerateResponse.
func ParseEnumerate(body []byte) (EnumerateResponse, error) {
	var raw struct {
		Shells   []ShellInfo   `xml:"Items>Shell"`
		Commands []CommandInfo `xml:"Items>Command"`
	}
	found, err := decodeFirst(body, nsEnumeration, "EnumerateResponse", &raw)
	if err == nil && !found {
		err = fmt.Errorf("no EnumerateResponse: %w", ErrBadReply)
	}
	if err != nil {
		return EnumerateResponse{}, fmt.Errorf("parsing enumerate reply: %w", err)
	}
	return EnumerateResponse{Shells: raw.Shells, Commands: raw.Commands}, nil
}

// decodeFirst decodes the first element space/local of body into v and
// reports whether there was one.
func decodeFirst(body []byte, space, local string, v any) (bool, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("%w: %w", err, ErrBadReply)
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Space == space && t.Name.Local == local {
			if err := dec.DecodeElement(v, &t); err != nil {
				return true, fmt.Errorf("%s: %w: %w", local, err, ErrBadReply)
			}
			return true, nil
		}
	}
}

// selectorShellID is the ShellId selector of a reply's body (x:ResourceCreated).
func selectorShellID(body []byte) string {
	var sel struct {
		Selectors []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"Selector"`
	}
	if found, err := decodeFirst(body, nsWSMan, "SelectorSet", &sel); err != nil || !found {
		return ""
	}
	for _, s := range sel.Selectors {
		if s.Name == "ShellId" {
			return strings.TrimSpace(s.Value)
		}
	}
	return ""
}

// maxDuration bounds ParseDuration (about 146 years, half of time.Duration's range).
const maxDuration = float64(1 << 62)

// ParseDuration reads an xs:duration of days, hours, minutes and seconds
// as WS-Man sends them ("PT7200.000S", "P0DT0H0M9S"); years and months
// are refused.
func ParseDuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "P")
	if !ok || rest == "" {
		return 0, fmt.Errorf("duration %q: no P", s)
	}
	var ns float64
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			inTime, rest = true, rest[1:]
			continue
		}
		i := strings.IndexAny(rest, "DHMS")
		if i <= 0 {
			return 0, fmt.Errorf("duration %q: bad component %q", s, rest)
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || n < 0 || n > 1e9 {
			return 0, fmt.Errorf("duration %q: bad number %q", s, rest[:i])
		}
		unit := map[byte]time.Duration{'D': 24 * time.Hour, 'H': time.Hour, 'M': time.Minute, 'S': time.Second}[rest[i]]
		if (rest[i] == 'D') == inTime {
			return 0, fmt.Errorf("duration %q: %c out of place", s, rest[i])
		}
		if ns += n * float64(unit); ns > maxDuration {
			return 0, fmt.Errorf("duration %q: too long", s)
		}
		rest = rest[i+1:]
	}
	return time.Duration(ns), nil
}
