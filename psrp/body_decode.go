package psrp

import (
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// bodyParsers decode the object bodies, by message type.
var bodyParsers = map[MessageType]func(*clixml.Object) (Body, error){
	SessionCapability:        parseSessionCapability,
	InitRunspacePool:         parseInitRunspacePool,
	PublicKey:                parsePublicKey,
	EncryptedSessionKey:      parseEncryptedSessionKey,
	SetMaxRunspaces:          parseSetRunspaces(true),
	SetMinRunspaces:          parseSetRunspaces(false),
	RunspaceAvailability:     parseRunspaceAvailability,
	RunspacePoolState:        parseRunspacePoolState,
	CreatePipeline:           parseCreatePipeline,
	GetAvailableRunspaces:    parseCallID(GetAvailableRunspaces),
	ResetRunspaceState:       parseCallID(ResetRunspaceState),
	ApplicationPrivateData:   parseApplicationPrivateData,
	GetCommandMetadata:       parseGetCommandMetadata,
	RunspacePoolInitData:     parseRunspacePoolInitData,
	RunspacePoolHostCall:     parseHostCall(false),
	RunspacePoolHostResponse: parseHostResponse(false),
	PipelineHostCall:         parseHostCall(true),
	PipelineHostResponse:     parseHostResponse(true),
	ErrorRecord:              func(o *clixml.Object) (Body, error) { return parseErrorRecord(o), nil },
	PipelineState:            parsePipelineState,
	DebugRecord:              parseInformational(DebugRecord),
	VerboseRecord:            parseInformational(VerboseRecord),
	WarningRecord:            parseInformational(WarningRecord),
	ProgressRecord:           parseProgressRecord,
	InformationRecord:        parseInformationRecord,
}

// DecodeBody decodes m's Data into its typed body. PIPELINE_INPUT and
// PIPELINE_OUTPUT give a DataMsg with any value; END_OF_PIPELINE_INPUT,
// PUBLIC_KEY_REQUEST and CONNECT_RUNSPACEPOOL accept an empty body. A type
// psgate does not model (USER_EVENT) is an ErrUnknownMessageType error;
// a body of the wrong shape or not CLIXML an ErrInvalidBody error (also
// wrapping the clixml error). It never panics.
func DecodeBody(m Message) (Body, error) {
	switch m.Type {
	case PipelineInput, PipelineOutput:
		v, _, err := clixml.Decode(m.Data)
		if err != nil {
			return nil, fmt.Errorf("decoding %s: %w: %w", m.Type, ErrInvalidBody, err)
		}
		return DataMsg{Type: m.Type, Data: v}, nil
	case EndOfPipelineInput:
		return EndOfPipelineInputMsg{}, nil
	case PublicKeyRequest:
		return PublicKeyRequestMsg{}, nil
	case ConnectRunspacePool:
		return decodeConnect(m)
	}
	parse, ok := bodyParsers[m.Type]
	if !ok {
		return nil, fmt.Errorf("decoding %s: no typed body: %w", m.Type, ErrUnknownMessageType)
	}
	o, err := bodyObject(m)
	if err != nil {
		return nil, err
	}
	b, err := parse(o)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w: %w", m.Type, ErrInvalidBody, err)
	}
	return b, nil
}

func decodeConnect(m Message) (Body, error) {
	v, _, err := clixml.Decode(m.Data)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w: %w", m.Type, ErrInvalidBody, err)
	}
	o, ok := v.(*clixml.Object)
	if !ok {
		return ConnectRunspacePoolMsg{}, nil
	}
	r := reader{o: o}
	var c ConnectRunspacePoolMsg
	if _, ok := r.get("MinRunspaces", false); ok {
		c.MinRunspaces = ptr(int32(r.int("MinRunspaces", false)))
	}
	if _, ok := r.get("MaxRunspaces", false); ok {
		c.MaxRunspaces = ptr(int32(r.int("MaxRunspaces", false)))
	}
	return c, r.err
}
