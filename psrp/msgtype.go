package psrp

import "fmt"

// MessageType is the MessageType field of a PSRP message (MS-PSRP 2.2.1).
type MessageType uint32

// The message types of MS-PSRP 2.2.1. The high bits name the target:
// 0x0001xxxx and 0x0002xxxx the runspace pool, 0x0004xxxx a pipeline.
const (
	SessionCapability        MessageType = 0x00010002
	InitRunspacePool         MessageType = 0x00010004
	PublicKey                MessageType = 0x00010005
	EncryptedSessionKey      MessageType = 0x00010006
	PublicKeyRequest         MessageType = 0x00010007
	ConnectRunspacePool      MessageType = 0x00010008
	SetMaxRunspaces          MessageType = 0x00021002
	SetMinRunspaces          MessageType = 0x00021003
	RunspaceAvailability     MessageType = 0x00021004
	RunspacePoolState        MessageType = 0x00021005
	CreatePipeline           MessageType = 0x00021006
	GetAvailableRunspaces    MessageType = 0x00021007
	UserEvent                MessageType = 0x00021008
	ApplicationPrivateData   MessageType = 0x00021009
	GetCommandMetadata       MessageType = 0x0002100A
	RunspacePoolInitData     MessageType = 0x0002100B
	ResetRunspaceState       MessageType = 0x0002100C
	RunspacePoolHostCall     MessageType = 0x00021100
	RunspacePoolHostResponse MessageType = 0x00021101
	PipelineInput            MessageType = 0x00041002
	EndOfPipelineInput       MessageType = 0x00041003
	PipelineOutput           MessageType = 0x00041004
	ErrorRecord              MessageType = 0x00041005
	PipelineState            MessageType = 0x00041006
	DebugRecord              MessageType = 0x00041007
	VerboseRecord            MessageType = 0x00041008
	WarningRecord            MessageType = 0x00041009
	ProgressRecord           MessageType = 0x00041010
	InformationRecord        MessageType = 0x00041011
	PipelineHostCall         MessageType = 0x00041100
	PipelineHostResponse     MessageType = 0x00041101
)

// String returns the name MS-PSRP uses, such as "SESSION_CAPABILITY", or
// "MessageType(0x…)" for a value it does not list.
func (t MessageType) String() string {
	if n, ok := t.name(); ok {
		return n
	}
	return fmt.Sprintf("MessageType(0x%08X)", uint32(t))
}

// Known reports whether MS-PSRP 2.2.1 lists t.
func (t MessageType) Known() bool {
	_, ok := t.name()
	return ok
}

// MessageTypes returns every type MS-PSRP 2.2.1 lists, in numeric order.
func MessageTypes() []MessageType {
	return []MessageType{
		SessionCapability, InitRunspacePool, PublicKey, EncryptedSessionKey, PublicKeyRequest,
		ConnectRunspacePool, SetMaxRunspaces, SetMinRunspaces, RunspaceAvailability, RunspacePoolState,
		CreatePipeline, GetAvailableRunspaces, UserEvent, ApplicationPrivateData, GetCommandMetadata,
		RunspacePoolInitData, ResetRunspaceState, RunspacePoolHostCall, RunspacePoolHostResponse,
		PipelineInput, EndOfPipelineInput, PipelineOutput, ErrorRecord, PipelineState, DebugRecord,
		VerboseRecord, WarningRecord, ProgressRecord, InformationRecord, PipelineHostCall, PipelineHostResponse,
	}
}

// name returns MS-PSRP's name for t.
func (t MessageType) name() (string, bool) {
	switch t {
	case SessionCapability:
		return "SESSION_CAPABILITY", true
	case InitRunspacePool:
		return "INIT_RUNSPACEPOOL", true
	case PublicKey:
		return "PUBLIC_KEY", true
	case EncryptedSessionKey:
		return "ENCRYPTED_SESSION_KEY", true
	case PublicKeyRequest:
		return "PUBLIC_KEY_REQUEST", true
	case ConnectRunspacePool:
		return "CONNECT_RUNSPACEPOOL", true
	case SetMaxRunspaces:
		return "SET_MAX_RUNSPACES", true
	case SetMinRunspaces:
		return "SET_MIN_RUNSPACES", true
	case RunspaceAvailability:
		return "RUNSPACE_AVAILABILITY", true
	case RunspacePoolState:
		return "RUNSPACEPOOL_STATE", true
	case CreatePipeline:
		return "CREATE_PIPELINE", true
	case GetAvailableRunspaces:
		return "GET_AVAILABLE_RUNSPACES", true
	case UserEvent:
		return "USER_EVENT", true
	case ApplicationPrivateData:
		return "APPLICATION_PRIVATE_DATA", true
	case GetCommandMetadata:
		return "GET_COMMAND_METADATA", true
	case RunspacePoolInitData:
		return "RUNSPACEPOOL_INIT_DATA", true
	case ResetRunspaceState:
		return "RESET_RUNSPACE_STATE", true
	case RunspacePoolHostCall:
		return "RUNSPACEPOOL_HOST_CALL", true
	case RunspacePoolHostResponse:
		return "RUNSPACEPOOL_HOST_RESPONSE", true
	case PipelineInput:
		return "PIPELINE_INPUT", true
	case EndOfPipelineInput:
		return "END_OF_PIPELINE_INPUT", true
	case PipelineOutput:
		return "PIPELINE_OUTPUT", true
	case ErrorRecord:
		return "ERROR_RECORD", true
	case PipelineState:
		return "PIPELINE_STATE", true
	case DebugRecord:
		return "DEBUG_RECORD", true
	case VerboseRecord:
		return "VERBOSE_RECORD", true
	case WarningRecord:
		return "WARNING_RECORD", true
	case ProgressRecord:
		return "PROGRESS_RECORD", true
	case InformationRecord:
		return "INFORMATION_RECORD", true
	case PipelineHostCall:
		return "PIPELINE_HOST_CALL", true
	case PipelineHostResponse:
		return "PIPELINE_HOST_RESPONSE", true
	}
	return "", false
}
