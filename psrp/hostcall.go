package psrp

import (
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// HostCallMsg is RUNSPACEPOOL_HOST_CALL or PIPELINE_HOST_CALL (MS-PSRP
// 2.2.2.27, 2.2.2.30): call id "ci", method "mi" (an enum object), and the
// parameters "mp" (an ArrayList). Request decodes the parameters.
type HostCallMsg struct {
	Pipeline bool // PIPELINE_HOST_CALL, else RUNSPACEPOOL_HOST_CALL
	CallID   int64
	Method   HostMethod
	Params   []clixml.Value
}

func (m HostCallMsg) MessageType() MessageType {
	if m.Pipeline {
		return PipelineHostCall
	}
	return RunspacePoolHostCall
}

// arrayList is the ArrayList type names of "mp".
var arrayList = []string{"System.Collections.ArrayList", "System.Object"}

func (m HostCallMsg) Value() (clixml.Value, error) {
	return ms(prop("ci", clixml.Int64(m.CallID)), prop("mi", m.Method.value()),
		prop("mp", list(arrayList, m.Params...))), nil
}

// WantsReply reports whether the server waits for a host response: every
// call but the void ones (call id -100).
func (m HostCallMsg) WantsReply() bool { return m.CallID != voidCallID }

func parseHostCall(pipeline bool) func(*clixml.Object) (Body, error) {
	return func(o *clixml.Object) (Body, error) {
		r := reader{o: o}
		m := HostCallMsg{Pipeline: pipeline, CallID: r.int("ci", true), Method: HostMethod(r.int("mi", true))}
		if mp := r.obj("mp", false); mp != nil {
			m.Params = mp.Items
		}
		if r.err == nil && !m.Method.Known() {
			r.err = fmt.Errorf("host call %d: unknown method %d: %w", m.CallID, m.Method, ErrInvalidBody)
		}
		return m, r.err
	}
}

// HostResponseMsg is RUNSPACEPOOL_HOST_RESPONSE or PIPELINE_HOST_RESPONSE:
// "ci", "mi" as the enum object, then the result "mr" or the error "me"
// (neither for a void method).
type HostResponseMsg struct {
	Pipeline bool
	CallID   int64
	Method   HostMethod
	Result   clixml.Value
	Error    *ErrorRecordMsg
}

func (m HostResponseMsg) MessageType() MessageType {
	if m.Pipeline {
		return PipelineHostResponse
	}
	return RunspacePoolHostResponse
}

func (m HostResponseMsg) Value() (clixml.Value, error) {
	o := ms(prop("ci", clixml.Int64(m.CallID)), prop("mi", m.Method.value()))
	switch {
	case m.Error != nil:
		o.Members = append(o.Members, prop("me", m.Error.Object()))
	case m.Result != nil:
		o.Members = append(o.Members, prop("mr", m.Result))
	}
	return o, nil
}

func parseHostResponse(pipeline bool) func(*clixml.Object) (Body, error) {
	return func(o *clixml.Object) (Body, error) {
		r := reader{o: o}
		m := HostResponseMsg{Pipeline: pipeline, CallID: r.int("ci", true), Method: HostMethod(r.int("mi", true))}
		m.Result, _ = r.get("mr", false)
		if e := r.obj("me", false); e != nil {
			m.Error = parseErrorRecord(e)
		}
		return m, r.err
	}
}

// Reply builds the response to m carrying result (nil for none).
func (m HostCallMsg) Reply(result clixml.Value) HostResponseMsg {
	return HostResponseMsg{Pipeline: m.Pipeline, CallID: m.CallID, Method: m.Method, Result: result}
}

// ReplyError builds the response to m carrying an error record.
func (m HostCallMsg) ReplyError(e *ErrorRecordMsg) HostResponseMsg {
	return HostResponseMsg{Pipeline: m.Pipeline, CallID: m.CallID, Method: m.Method, Error: e}
}

// The shapes of host replies, as PowerShell and the recordings write them.

// PromptResult is the reply to Prompt: a Hashtable of field name to value.
func PromptResult(fields ...clixml.Entry) *clixml.Object {
	return &clixml.Object{TypeNames: []string{"System.Collections.Hashtable", "System.Object"}, Kind: clixml.Dictionary, Entries: fields}
}

// CredentialResult is the reply to PromptForCredential: a PSCredential
// with the password as a SecureString encrypted with the session key.
func CredentialResult(user string, password clixml.SecureString) *clixml.Object {
	const t = "System.Management.Automation.PSCredential"
	return &clixml.Object{TypeNames: []string{t, "System.Object"}, ToString: ptr(t),
		Props: []clixml.Property{prop("UserName", clixml.String(user)), prop("Password", password)}}
}

// KeyInfo is System.Management.Automation.Host.KeyInfo, the reply to ReadKey.
type KeyInfo struct {
	VirtualKeyCode  int32
	Character       rune // one UTF-16 unit
	ControlKeyState int32
	KeyDown         bool
}

// Value is the KeyInfo object.
func (k KeyInfo) Value() *clixml.Object {
	return ms(prop("virtualKeyCode", clixml.Int32(k.VirtualKeyCode)), prop("character", clixml.Char(k.Character)),
		prop("controlKeyState", clixml.Int32(k.ControlKeyState)), prop("keyDown", clixml.Bool(k.KeyDown)))
}

// CoordinatesResult and SizeResult are the replies to the raw-UI getters.
func CoordinatesResult(c Coordinates) *clixml.Object { return coordinatesValue(c) }

// SizeResult is the reply to GetBufferSize, GetWindowSize and the like.
func SizeResult(s Size) *clixml.Object { return sizeValue(s) }
