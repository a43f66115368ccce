package psrp

import (
	"encoding/base64"
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// The message bodies of the runspace pool (MS-PSRP 2.2.2.1–2.2.2.15,
// 2.2.2.28–2.2.2.29). Each type is named after its message with a Msg
// suffix; the MessageType constants keep the bare names.

// SessionCapabilityMsg is SESSION_CAPABILITY, sent by both sides first.
type SessionCapabilityMsg struct {
	ProtocolVersion, PSVersion, SerializationVersion clixml.Version
	// TimeZone is the client's optional serialized time zone (raw bytes).
	TimeZone []byte
}

// ClientCapability is what psgate announces: protocol 2.3, PSVersion 2.0,
// serialization 1.1.0.1, as PowerShell and pypsrp do.
func ClientCapability() SessionCapabilityMsg {
	return SessionCapabilityMsg{
		ProtocolVersion:      clixml.Version{Major: 2, Minor: 3, Build: -1, Revision: -1},
		PSVersion:            clixml.Version{Major: 2, Minor: 0, Build: -1, Revision: -1},
		SerializationVersion: clixml.Version{Major: 1, Minor: 1, Build: 0, Revision: 1},
	}
}

func (SessionCapabilityMsg) MessageType() MessageType { return SessionCapability }

func (m SessionCapabilityMsg) Value() (clixml.Value, error) {
	o := ms(prop("protocolversion", m.ProtocolVersion), prop("PSVersion", m.PSVersion),
		prop("SerializationVersion", m.SerializationVersion))
	if m.TimeZone != nil {
		o.Members = append(o.Members, prop("TimeZone", clixml.Bytes(m.TimeZone)))
	}
	return o, nil
}

func parseSessionCapability(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	m := SessionCapabilityMsg{ProtocolVersion: r.version("protocolversion"), PSVersion: r.version("PSVersion"),
		SerializationVersion: r.version("SerializationVersion")}
	if v, ok := r.get("TimeZone", false); ok {
		if b, ok := v.(clixml.Bytes); ok {
			m.TimeZone = b
		}
	}
	return m, r.err
}

// InitRunspacePoolMsg is INIT_RUNSPACEPOOL.
type InitRunspacePoolMsg struct {
	MinRunspaces, MaxRunspaces int32
	ThreadOptions              PSThreadOptions
	ApartmentState             ApartmentState
	Host                       HostInfo
	// ApplicationArguments is a PSPrimitiveDictionary, or nil (<Nil>).
	ApplicationArguments *clixml.Object
}

func (InitRunspacePoolMsg) MessageType() MessageType { return InitRunspacePool }

func (m InitRunspacePoolMsg) Value() (clixml.Value, error) {
	var args clixml.Value = clixml.Nil{}
	if m.ApplicationArguments != nil {
		args = m.ApplicationArguments
	}
	return ms(prop("MinRunspaces", clixml.Int32(m.MinRunspaces)), prop("MaxRunspaces", clixml.Int32(m.MaxRunspaces)),
		prop("PSThreadOptions", threadOptionNames.value(int32(m.ThreadOptions))),
		prop("ApartmentState", apartmentNames.value(int32(m.ApartmentState))),
		prop("HostInfo", m.Host.Value()), prop("ApplicationArguments", args)), nil
}

// PrimitiveDictionary builds a PSPrimitiveDictionary (application arguments)
// with entries in the given order.
func PrimitiveDictionary(entries ...clixml.Entry) *clixml.Object {
	return &clixml.Object{
		TypeNames: []string{"System.Management.Automation.PSPrimitiveDictionary", "System.Collections.Hashtable", "System.Object"},
		Kind:      clixml.Dictionary, Entries: entries,
	}
}

func parseInitRunspacePool(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	m := InitRunspacePoolMsg{MinRunspaces: int32(r.int("MinRunspaces", true)), MaxRunspaces: int32(r.int("MaxRunspaces", true)),
		ThreadOptions: PSThreadOptions(r.int("PSThreadOptions", true)), ApartmentState: ApartmentState(r.int("ApartmentState", true)),
		ApplicationArguments: r.obj("ApplicationArguments", false)}
	if h := r.obj("HostInfo", true); h != nil {
		hi, err := parseHostInfo(h)
		if err != nil {
			return m, err
		}
		m.Host = hi
	}
	return m, r.err
}

// ApplicationPrivateDataMsg is APPLICATION_PRIVATE_DATA: the server's
// PSPrimitiveDictionary (PSVersionTable …).
type ApplicationPrivateDataMsg struct{ Data *clixml.Object }

func (ApplicationPrivateDataMsg) MessageType() MessageType { return ApplicationPrivateData }

func (m ApplicationPrivateDataMsg) Value() (clixml.Value, error) {
	var d clixml.Value = clixml.Nil{}
	if m.Data != nil {
		d = m.Data
	}
	return ms(prop("ApplicationPrivateData", d)), nil
}

// Lookup returns the value of key in the dictionary d (nil-safe).
func Lookup(d *clixml.Object, key string) (clixml.Value, bool) {
	if d == nil {
		return nil, false
	}
	for _, e := range d.Entries {
		if k, ok := clixml.AsString(e.Key); ok && k == key {
			return e.Value, true
		}
	}
	return nil, false
}

func parseApplicationPrivateData(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	return ApplicationPrivateDataMsg{Data: r.obj("ApplicationPrivateData", false)}, r.err
}

// RunspacePoolStateMsg is RUNSPACEPOOL_STATE; Error is the reason a pool is
// Broken (or failed to open), when the server sent one.
type RunspacePoolStateMsg struct {
	State RunspacePoolStateValue
	Error *ErrorRecordMsg
}

func (RunspacePoolStateMsg) MessageType() MessageType { return RunspacePoolState }

func (m RunspacePoolStateMsg) Value() (clixml.Value, error) {
	return stateValue("RunspaceState", int32(m.State), m.Error), nil
}

func parseRunspacePoolState(o *clixml.Object) (Body, error) {
	n, e, err := parseState(o, "RunspaceState")
	return RunspacePoolStateMsg{State: RunspacePoolStateValue(n), Error: e}, err
}

// stateValue is a state message: the state number and, if any, the
// exception as an ErrorRecord.
func stateValue(name string, state int32, e *ErrorRecordMsg) *clixml.Object {
	o := ms(prop(name, clixml.Int32(state)))
	if e != nil {
		o.Members = append(o.Members, prop("ExceptionAsErrorRecord", e.Object()))
	}
	return o
}

func parseState(o *clixml.Object, name string) (int32, *ErrorRecordMsg, error) {
	r := reader{o: o}
	n := int32(r.int(name, true))
	var rec *ErrorRecordMsg
	if e := r.obj("ExceptionAsErrorRecord", false); e != nil {
		rec = parseErrorRecord(e)
	}
	return n, rec, r.err
}

// PublicKeyMsg is PUBLIC_KEY: the client's PUBLICKEYBLOB.
type PublicKeyMsg struct{ Blob []byte }

func (PublicKeyMsg) MessageType() MessageType { return PublicKey }

func (m PublicKeyMsg) Value() (clixml.Value, error) { return blobValue("PublicKey", m.Blob), nil }

func parsePublicKey(o *clixml.Object) (Body, error) {
	b, err := parseBlob(o, "PublicKey")
	return PublicKeyMsg{Blob: b}, err
}

// EncryptedSessionKeyMsg is ENCRYPTED_SESSION_KEY: the server's SIMPLEBLOB.
type EncryptedSessionKeyMsg struct{ Blob []byte }

func (EncryptedSessionKeyMsg) MessageType() MessageType { return EncryptedSessionKey }

func (m EncryptedSessionKeyMsg) Value() (clixml.Value, error) {
	return blobValue("EncryptedSessionKey", m.Blob), nil
}

func parseEncryptedSessionKey(o *clixml.Object) (Body, error) {
	b, err := parseBlob(o, "EncryptedSessionKey")
	return EncryptedSessionKeyMsg{Blob: b}, err
}

// blobValue is a key message: the blob as base64 text in <S N=name>.
func blobValue(name string, blob []byte) *clixml.Object {
	return ms(prop(name, clixml.String(base64.StdEncoding.EncodeToString(blob))))
}

func parseBlob(o *clixml.Object, name string) ([]byte, error) {
	r := reader{o: o}
	text := r.str(name, true)
	if r.err != nil {
		return nil, r.err
	}
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("member %q: %w: %w", name, ErrInvalidBody, err)
	}
	return b, nil
}

// PublicKeyRequestMsg is PUBLIC_KEY_REQUEST: the server asks for a key
// exchange (it needs to send a SecureString). Its body is an empty string.
type PublicKeyRequestMsg struct{}

func (PublicKeyRequestMsg) MessageType() MessageType     { return PublicKeyRequest }
func (PublicKeyRequestMsg) Value() (clixml.Value, error) { return clixml.String(""), nil }

// ConnectRunspacePoolMsg is CONNECT_RUNSPACEPOOL (protocol 2.2+). With
// neither count set the body is an empty string, written "<S />" as pypsrp
// sends it.
type ConnectRunspacePoolMsg struct {
	MinRunspaces, MaxRunspaces *int32
}

func (ConnectRunspacePoolMsg) MessageType() MessageType { return ConnectRunspacePool }

func (m ConnectRunspacePoolMsg) raw() []byte {
	if m.MinRunspaces == nil && m.MaxRunspaces == nil {
		return []byte("<S />")
	}
	return nil
}

func (m ConnectRunspacePoolMsg) Value() (clixml.Value, error) {
	if m.MinRunspaces == nil && m.MaxRunspaces == nil {
		return clixml.String(""), nil
	}
	o := ms()
	if m.MinRunspaces != nil {
		o.Members = append(o.Members, prop("MinRunspaces", clixml.Int32(*m.MinRunspaces)))
	}
	if m.MaxRunspaces != nil {
		o.Members = append(o.Members, prop("MaxRunspaces", clixml.Int32(*m.MaxRunspaces)))
	}
	return o, nil
}

// RunspacePoolInitDataMsg is RUNSPACEPOOL_INIT_DATA, the server's answer to
// CONNECT_RUNSPACEPOOL.
type RunspacePoolInitDataMsg struct{ MinRunspaces, MaxRunspaces int32 }

func (RunspacePoolInitDataMsg) MessageType() MessageType { return RunspacePoolInitData }

func (m RunspacePoolInitDataMsg) Value() (clixml.Value, error) {
	return ms(prop("MinRunspaces", clixml.Int32(m.MinRunspaces)), prop("MaxRunspaces", clixml.Int32(m.MaxRunspaces))), nil
}

func parseRunspacePoolInitData(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	return RunspacePoolInitDataMsg{MinRunspaces: int32(r.int("MinRunspaces", true)), MaxRunspaces: int32(r.int("MaxRunspaces", true))}, r.err
}

// SetRunspacesMsg is SET_MAX_RUNSPACES (Max) or SET_MIN_RUNSPACES; the
// call id is written "CI", as Windows and pypsrp write it.
type SetRunspacesMsg struct {
	Max    bool
	Count  int32
	CallID int64
}

func (m SetRunspacesMsg) MessageType() MessageType {
	if m.Max {
		return SetMaxRunspaces
	}
	return SetMinRunspaces
}

func (m SetRunspacesMsg) Value() (clixml.Value, error) {
	name := "MinRunspaces"
	if m.Max {
		name = "MaxRunspaces"
	}
	return ms(prop(name, clixml.Int32(m.Count)), prop("CI", clixml.Int64(m.CallID))), nil
}

func parseSetRunspaces(max bool) func(*clixml.Object) (Body, error) {
	return func(o *clixml.Object) (Body, error) {
		r := reader{o: o}
		name := "MinRunspaces"
		if max {
			name = "MaxRunspaces"
		}
		return SetRunspacesMsg{Max: max, Count: int32(r.int(name, true)), CallID: r.int("CI", true)}, r.err
	}
}

// CallIDMsg is a pool request that carries only a call id "ci":
// GET_AVAILABLE_RUNSPACES or RESET_RUNSPACE_STATE.
type CallIDMsg struct {
	Type   MessageType
	CallID int64
}

func (m CallIDMsg) MessageType() MessageType { return m.Type }

func (m CallIDMsg) Value() (clixml.Value, error) { return ms(prop("ci", clixml.Int64(m.CallID))), nil }

func parseCallID(t MessageType) func(*clixml.Object) (Body, error) {
	return func(o *clixml.Object) (Body, error) {
		r := reader{o: o}
		return CallIDMsg{Type: t, CallID: r.int("ci", true)}, r.err
	}
}

// RunspaceAvailabilityMsg is RUNSPACE_AVAILABILITY, the answer to a call
// id: a Bool for SET_MAX/MIN_RUNSPACES and RESET_RUNSPACE_STATE, an integer
// (available runspaces) for GET_AVAILABLE_RUNSPACES.
type RunspaceAvailabilityMsg struct {
	CallID int64
	// Value is clixml.Bool or an integer (clixml.Int32, clixml.Int64).
	Response clixml.Value
}

func (RunspaceAvailabilityMsg) MessageType() MessageType { return RunspaceAvailability }

func (m RunspaceAvailabilityMsg) Value() (clixml.Value, error) {
	if m.Response == nil {
		return nil, fmt.Errorf("runspace availability without a value: %w", ErrInvalidBody)
	}
	return ms(prop("SetMinMaxRunspacesResponse", m.Response), prop("ci", clixml.Int64(m.CallID))), nil
}

// OK reports the Bool answer (false for a count).
func (m RunspaceAvailabilityMsg) OK() bool { b, _ := m.Response.(clixml.Bool); return bool(b) }

// Available reports the count answer, if it is one.
func (m RunspaceAvailabilityMsg) Available() (int64, bool) { return clixml.AsInt(m.Response) }

func parseRunspaceAvailability(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	v, _ := r.get("SetMinMaxRunspacesResponse", true)
	return RunspaceAvailabilityMsg{CallID: r.int("ci", true), Response: v}, r.err
}
