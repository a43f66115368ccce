package wsman

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestRecordedReplies parses every recorded reply of the PSRP recordings
// with the parser of its request's operation; faults parse as FaultError
// with their category.
func TestRecordedReplies(t *testing.T) {
	recs := loadRecordings(t, "test_psrp_*.yml")
	maps.Copy(recs, loadRecordings(t, "test_wsman_update_envelope_size_*.yml"))
	for _, name := range slices.Sorted(mapKeys(recs)) {
		counts := map[string]int{}
		for i, m := range recs[name].Messages {
			if m.Response == "" {
				counts["none"]++
				continue
			}
			req := parseTree(t, []byte(m.Request))
			action := req.find(nsAddressing, "Action").text()
			kind, err := checkReply(req, action, []byte(m.Response))
			if errors.Is(err, errIDMismatch) && name == "test_psrp_run_protocol_version_2.1.yml" {
				// This recording's Create and Command requests carry
				// another ShellId and CommandId than their replies; the
				// replies still parse.
				kind = "id-mismatch"
				err = nil
			}
			if err != nil {
				t.Errorf("%s reply %d (%s): %v", name, i, action, err)
				continue
			}
			counts[kind]++
		}
		t.Logf("%s: %v", name, counts)
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkReply parses reply as the answer to the request req and checks what
// it can against the request.
func checkReply(req *node, action string, reply []byte) (string, error) {
	if strings.Contains(string(reply), "Fault>") {
		return checkFault(reply)
	}
	shellID := req.find(nsWSMan, "Selector").text()
	switch action {
	case ActionCreate:
		s, err := ParseCreate(reply)
		if want, _ := req.find(nsShell, "Shell").attr("ShellId"); err == nil && s.ShellID != want {
			return "", fmt.Errorf("ShellId %s, want %s: %w", s.ShellID, want, errIDMismatch)
		}
		if _, derr := ParseDuration(s.IdleTimeOut); err == nil && derr != nil {
			return "", derr
		}
		return "Create", err
	case ActionGet:
		if req.find(nsWSMan, "ResourceURI").text() == ResourceConfig {
			c, err := ParseConfig(reply)
			if err == nil && c.MaxEnvelopeSizeKB == 0 {
				return "", errors.New("no MaxEnvelopeSizekb")
			}
			return "Get:config", err
		}
		s, err := ParseGet(reply)
		if err == nil && (s.ShellID != shellID || s.State == "") {
			return "", errors.New("shell " + s.ShellID + " state " + s.State)
		}
		return "Get:" + s.State, err
	case ActionCommand:
		id, err := ParseCommand(reply)
		if want, _ := req.find(nsShell, "CommandLine").attr("CommandId"); err == nil && id != want {
			return "", fmt.Errorf("CommandId %s, want %s: %w", id, want, errIDMismatch)
		}
		return "Command", err
	case ActionReceive:
		r, err := ParseReceive(reply)
		kind := "Receive"
		if len(r.Streams) == 0 {
			kind += ":empty"
		}
		if r.State != "" {
			kind += ":" + r.State[strings.LastIndexByte(r.State, '/')+1:]
		}
		return kind, err
	case ActionConnect:
		c, err := ParseConnect(reply)
		if _, cmd := req.find(nsShell, "Connect").attr("CommandId"); err == nil && !cmd && len(c.ConnectResponseXML) == 0 {
			return "", errors.New("shell Connect without connectResponseXml")
		}
		return "Connect", err
	case ActionEnumerate:
		e, err := ParseEnumerate(reply)
		if len(e.Shells)+len(e.Commands) == 0 {
			return "Enumerate:empty", err
		}
		return "Enumerate", err
	}
	// Send, Signal, Delete, Disconnect, Reconnect: an empty or …Response body.
	return action[strings.LastIndexByte(action, '/')+1:], wellFormed(reply)
}

var errIDMismatch = errors.New("reply id differs from the request's")

func checkFault(reply []byte) (string, error) {
	f := ParseFault(500, reply)
	switch {
	case f.Code == 0:
		return "", errors.New("fault without a WSManFault code")
	case f.OperationTimedOut():
		return "Fault:timeout", nil
	case f.Code == CodeInvalidSelectors && errors.Is(f, ErrShellNotFound):
		return "Fault:shell-not-found", nil
	case errors.Unwrap(f) == nil:
		return "Fault:other", nil
	}
	return "", errors.New("unexpected category " + f.Error())
}

func wellFormed(b []byte) error {
	_, err := decodeFirst(b, "none", "none", new(struct{}))
	return err
}
