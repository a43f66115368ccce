package replay

import "strings"

// Action is the WS-Management operation of an envelope, a request or its
// response alike.
type Action int

// The operations of the recordings.
const (
	ActionUnknown Action = iota
	ActionGet
	ActionCreate
	ActionDelete
	ActionEnumerate
	ActionCommand
	ActionSend
	ActionReceive
	ActionSignal
	ActionDisconnect
	ActionReconnect
	ActionConnect
	ActionFault
)

// String returns the operation's name as in its Action URI, or "Fault".
func (a Action) String() string {
	switch a {
	case ActionGet:
		return "Get"
	case ActionCreate:
		return "Create"
	case ActionDelete:
		return "Delete"
	case ActionEnumerate:
		return "Enumerate"
	case ActionCommand:
		return "Command"
	case ActionSend:
		return "Send"
	case ActionReceive:
		return "Receive"
	case ActionSignal:
		return "Signal"
	case ActionDisconnect:
		return "Disconnect"
	case ActionReconnect:
		return "Reconnect"
	case ActionConnect:
		return "Connect"
	case ActionFault:
		return "Fault"
	}
	return "Unknown"
}

// Action URI prefixes.
const (
	transferURI    = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
	enumerationURI = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/"
	shellURI       = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
)

// ClassifyAction maps an Action header value to its operation and whether
// it is the response ("…Response"). Fault actions (WS-Addressing's and
// WS-Management's …/fault) are ActionFault.
func ClassifyAction(uri string) (Action, bool) {
	if strings.HasSuffix(uri, "/fault") {
		return ActionFault, true
	}
	var name string
	switch {
	case strings.HasPrefix(uri, transferURI):
		name = uri[len(transferURI):]
	case strings.HasPrefix(uri, enumerationURI):
		name = uri[len(enumerationURI):]
	case strings.HasPrefix(uri, shellURI):
		name = uri[len(shellURI):]
	default:
		return ActionUnknown, false
	}
	name, response := strings.CutSuffix(name, "Response")
	for a := ActionGet; a < ActionFault; a++ {
		if a.String() == name {
			return a, response
		}
	}
	return ActionUnknown, response
}
