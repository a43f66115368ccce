package session

// Reason says why a session ended (the closed update's reason and the audit
// log's 770 reason).
type Reason string

// The reasons a session ends.
const (
	ReasonExit          Reason = "exit"
	ReasonIdleTimeout   Reason = "idle_timeout"
	ReasonReset         Reason = "reset"
	ReasonLogoff        Reason = "logoff"
	ReasonShellExited   Reason = "shell_exited"
	ReasonAccessRevoked Reason = "access_revoked"
	ReasonShutdown      Reason = "shutdown"
	ReasonError         Reason = "error"
)

// message is the human text of the closed update for the reason.
func (r Reason) message() string {
	switch r {
	case ReasonExit:
		return "The session has ended."
	case ReasonIdleTimeout:
		return "The session ended after a period of inactivity."
	case ReasonReset:
		return "The session was reset by an administrator."
	case ReasonLogoff:
		return "The session was logged off by an administrator."
	case ReasonShellExited:
		return "The remote shell exited."
	case ReasonAccessRevoked:
		return "You are no longer authorized to use this session."
	case ReasonShutdown:
		return "The gateway is shutting down."
	}
	return "The session ended because of an error."
}
