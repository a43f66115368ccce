package psrp

import "github.com/psgate/psgate/psrp/clixml"

// Event is what a RunspacePool reports while it consumes server messages
// (see RunspacePool.Feed). The set is closed; switch on the type.
type Event interface{ event() }

// PoolStateEvent reports a new runspace pool state; Error is the reason a
// pool broke or failed to open, when the server sent one.
type PoolStateEvent struct {
	State RunspacePoolStateValue
	Error *ErrorRecordMsg
}

// CapabilityEvent reports the server's SESSION_CAPABILITY; Negotiated is
// the protocol version both sides speak (the lower of the two).
type CapabilityEvent struct {
	Server     SessionCapabilityMsg
	Negotiated clixml.Version
}

// PrivateDataEvent reports APPLICATION_PRIVATE_DATA (PSVersionTable …).
type PrivateDataEvent struct{ Data *clixml.Object }

// SessionKeyEvent reports that ENCRYPTED_SESSION_KEY was decrypted:
// SecureStrings can be sent and read from now on.
type SessionKeyEvent struct{}

// AvailabilityEvent answers SetMaxRunspaces, SetMinRunspaces,
// GetAvailableRunspaces or ResetRunspaceState (match CallID).
type AvailabilityEvent struct{ RunspaceAvailabilityMsg }

// InitDataEvent reports RUNSPACEPOOL_INIT_DATA after a Connect.
type InitDataEvent struct{ RunspacePoolInitDataMsg }

// HostCallEvent is a host call to answer (see RunspacePool.Answer).
// Pipeline is nil for a RUNSPACEPOOL_HOST_CALL. Request is the decoded
// parameter list.
type HostCallEvent struct {
	Pipeline *Pipeline
	Call     HostCallMsg
	Request  HostRequest
}

// OutputEvent is one object of a pipeline's output (or, for a
// GetCommandMetadata pipeline, one command's metadata).
type OutputEvent struct {
	Pipeline *Pipeline
	Value    clixml.Value
}

// RecordEvent is one record of a pipeline's other streams: Record is an
// *ErrorRecordMsg, *InformationalRecordMsg (debug, verbose, warning),
// *InformationRecordMsg or *ProgressRecordMsg.
type RecordEvent struct {
	Pipeline *Pipeline
	Record   Body
}

// PipelineStateEvent reports a pipeline's new state; Error is the
// exception of a failed or stopped pipeline as an ErrorRecord.
type PipelineStateEvent struct {
	Pipeline *Pipeline
	State    PipelineStateValue
	Error    *ErrorRecordMsg
}

func (PoolStateEvent) event()     {}
func (CapabilityEvent) event()    {}
func (PrivateDataEvent) event()   {}
func (SessionKeyEvent) event()    {}
func (AvailabilityEvent) event()  {}
func (InitDataEvent) event()      {}
func (HostCallEvent) event()      {}
func (OutputEvent) event()        {}
func (RecordEvent) event()        {}
func (PipelineStateEvent) event() {}
