package psrp

import (
	"errors"
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// ErrInvalidBody reports a message body whose CLIXML does not have the shape
// its message type requires (a missing member, a wrong type).
var ErrInvalidBody = errors.New("psrp: invalid message body")

// Body is the typed Data of one message: every message type of MS-PSRP 2.2.2
// that psgate reads or writes has one (see DecodeBody).
type Body interface {
	// MessageType is the type of the message that carries the body.
	MessageType() MessageType
	// Value is the body as CLIXML; nil means an empty Data.
	Value() (clixml.Value, error)
}

// EncodeBody returns the CLIXML bytes of b (no BOM).
func EncodeBody(b Body) ([]byte, error) {
	if r, ok := b.(rawBody); ok && r.raw() != nil {
		return r.raw(), nil
	}
	v, err := b.Value()
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", b.MessageType(), err)
	}
	if v == nil {
		return nil, nil
	}
	out, err := clixml.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", b.MessageType(), err)
	}
	return out, nil
}

// NewMessage builds the message carrying b, destined to dest, for the pool
// rpid and the pipeline pid (zero for pool messages).
func NewMessage(dest Destination, rpid, pid GUID, b Body) (Message, error) {
	data, err := EncodeBody(b)
	if err != nil {
		return Message{}, err
	}
	return Message{Destination: dest, Type: b.MessageType(), RPID: rpid, PID: pid, BOM: dest == DestinationClient, Data: data}, nil
}

// ms builds the <Obj><MS>…</MS></Obj> object most messages are.
func ms(props ...clixml.Property) *clixml.Object { return &clixml.Object{Members: props} }

func prop(name string, v clixml.Value) clixml.Property { return clixml.Property{Name: name, Value: v} }

// strOrNil is <S> for a non-nil string pointer, else <Nil>.
func strOrNil(s *string) clixml.Value {
	if s == nil {
		return clixml.Nil{}
	}
	return clixml.String(*s)
}

// bodyObject is the decoded Data of m as an *Object.
func bodyObject(m Message) (*clixml.Object, error) {
	v, _, err := clixml.Decode(m.Data)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w: %w", m.Type, ErrInvalidBody, err)
	}
	o, ok := v.(*clixml.Object)
	if !ok || o == nil {
		return nil, fmt.Errorf("decoding %s: body is %T, not an object: %w", m.Type, v, ErrInvalidBody)
	}
	return o, nil
}

// reader reads members of one object and keeps the first problem, so a
// decoder reads every field and checks once.
type reader struct {
	o   *clixml.Object
	err error
}

func (r *reader) fail(name, want string, v clixml.Value) {
	if r.err == nil {
		r.err = fmt.Errorf("member %q: %T is not %s: %w", name, v, want, ErrInvalidBody)
	}
}

func (r *reader) get(name string, required bool) (clixml.Value, bool) {
	if r.o == nil {
		return nil, false
	}
	v, ok := r.o.Get(name)
	if !ok && required && r.err == nil {
		r.err = fmt.Errorf("member %q missing: %w", name, ErrInvalidBody)
	}
	if _, isNil := v.(clixml.Nil); isNil {
		return nil, false
	}
	return v, ok
}

func (r *reader) int(name string, required bool) int64 {
	v, ok := r.get(name, required)
	if !ok {
		return 0
	}
	n, ok := clixml.AsInt(v)
	if !ok {
		r.fail(name, "an integer", v)
	}
	return n
}

func (r *reader) bool(name string, required bool) bool {
	v, ok := r.get(name, required)
	if !ok {
		return false
	}
	b, ok := v.(clixml.Bool)
	if !ok {
		r.fail(name, "a boolean", v)
	}
	return bool(b)
}

func (r *reader) str(name string, required bool) string {
	s, _ := r.strPtr(name, required)
	return s
}

func (r *reader) strPtr(name string, required bool) (string, bool) {
	v, ok := r.get(name, required)
	if !ok {
		return "", false
	}
	s, ok := clixml.AsString(v)
	if !ok {
		r.fail(name, "a string", v)
	}
	return s, ok
}

func (r *reader) obj(name string, required bool) *clixml.Object {
	v, ok := r.get(name, required)
	if !ok {
		return nil
	}
	o, ok := v.(*clixml.Object)
	if !ok {
		r.fail(name, "an object", v)
	}
	return o
}

func (r *reader) version(name string) clixml.Version {
	v, ok := r.get(name, true)
	if !ok {
		return clixml.Version{}
	}
	ver, ok := v.(clixml.Version)
	if !ok {
		r.fail(name, "a version", v)
	}
	return ver
}

// rawBody is a body whose bytes are fixed text rather than an encoded
// value.
type rawBody interface{ raw() []byte }
