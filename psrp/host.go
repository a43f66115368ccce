package psrp

import (
	"context"
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// Host is the client's PowerShell host, implemented by the caller (the
// console). HostCall gets one decoded call (req is the typed parameter
// list, call.Method the method) and returns the result: a String for
// ReadLine, a SecureString (RunspacePool.SecureString) or a plain String
// (Answer encrypts it) for ReadLineAsSecureString, PromptResult,
// CredentialResult, an Int32 for PromptForChoice, KeyInfo.Value for
// ReadKey, nil for the void methods. An error is sent to the server as the
// call's exception.
type Host interface {
	HostCall(ctx context.Context, call HostCallMsg, req HostRequest) (clixml.Value, error)
}

// Answer passes a host call to h and queues the reply, if the server
// waits for one. The error of h goes to the server (as "me"); Answer
// returns only errors of its own.
func (p *RunspacePool) Answer(ctx context.Context, h Host, ev HostCallEvent) error {
	result, herr := h.HostCall(ctx, ev.Call, ev.Request)
	if !ev.Call.WantsReply() {
		return nil
	}
	if s, ok := result.(clixml.String); ok && herr == nil && ev.Call.Method == HostReadLineAsSecureString {
		if result, herr = p.SecureString(string(s)); herr != nil {
			return herr // no session key: the caller must RequestSessionKey first
		}
	}
	if herr != nil {
		return p.Reply(ev, nil, &ErrorRecordMsg{Text: herr.Error(), Message: herr.Error(),
			ExceptionType: "System.Management.Automation.Host.HostException", FullyQualifiedErrorID: "HostCallFailed"})
	}
	return p.Reply(ev, result, nil)
}

// Reply queues the response to a host call: result, or e when non-nil.
func (p *RunspacePool) Reply(ev HostCallEvent, result clixml.Value, e *ErrorRecordMsg) error {
	if !ev.Call.WantsReply() {
		return fmt.Errorf("replying to void host call %s: %w", ev.Call.Method, ErrState)
	}
	r := ev.Call.Reply(result)
	if e != nil {
		r = ev.Call.ReplyError(e)
	}
	if ev.Pipeline != nil {
		return ev.Pipeline.reply(r)
	}
	return p.queue(GUID{}, r)
}
