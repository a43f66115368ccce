package psrp

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// MessageHeaderSize is the size of a message header: Destination (4 bytes),
// MessageType (4), RPID (16) and PID (16) (MS-PSRP 2.2.1).
const MessageHeaderSize = 40

// utf8BOM starts the Data of every message a Windows server sends.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Destination says which side a message is for.
type Destination uint32

// The two destinations of MS-PSRP 2.2.1.
const (
	DestinationClient Destination = 1
	DestinationServer Destination = 2
)

// String returns "client", "server" or "Destination(n)".
func (d Destination) String() string {
	switch d {
	case DestinationClient:
		return "client"
	case DestinationServer:
		return "server"
	}
	return fmt.Sprintf("Destination(%d)", uint32(d))
}

// Message is one PSRP message. Data is the CLIXML payload (UTF-8) without a
// byte-order mark; BOM records that the wire form had one (Windows servers
// send it, clients do not) so that encoding reproduces the original bytes.
type Message struct {
	Destination Destination
	Type        MessageType
	RPID        GUID
	PID         GUID
	BOM         bool
	Data        []byte
}

// AppendBinary appends the wire form of m to b.
func (m Message) AppendBinary(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint32(b, uint32(m.Destination))
	b = binary.LittleEndian.AppendUint32(b, uint32(m.Type))
	b = append(b, m.RPID[:]...)
	b = append(b, m.PID[:]...)
	if m.BOM {
		b = append(b, utf8BOM...)
	}
	return append(b, m.Data...), nil
}

// MarshalBinary returns the wire form of m.
func (m Message) MarshalBinary() ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, MessageHeaderSize+len(utf8BOM)+len(m.Data)))
}

// DecodeMessage decodes a reassembled message. Data aliases b. A destination
// other than client or server is an ErrInvalidMessage error. A type
// MS-PSRP does not list is an ErrUnknownMessageType error, returned with the
// decoded message so a caller may skip it and go on.
func DecodeMessage(b []byte) (Message, error) {
	if len(b) < MessageHeaderSize {
		return Message{}, fmt.Errorf("decoding message header: %d of %d bytes: %w", len(b), MessageHeaderSize, ErrTruncated)
	}
	m := Message{
		Destination: Destination(binary.LittleEndian.Uint32(b[0:4])),
		Type:        MessageType(binary.LittleEndian.Uint32(b[4:8])),
		RPID:        GUID(b[8:24]),
		PID:         GUID(b[24:40]),
		Data:        b[MessageHeaderSize:],
	}
	if m.Destination != DestinationClient && m.Destination != DestinationServer {
		return Message{}, fmt.Errorf("decoding %s message: destination %d: %w", m.Type, uint32(m.Destination), ErrInvalidMessage)
	}
	if bytes.HasPrefix(m.Data, utf8BOM) {
		m.BOM, m.Data = true, m.Data[len(utf8BOM):]
	}
	if !m.Type.Known() {
		return m, fmt.Errorf("decoding message for %s: type 0x%08X: %w", m.Destination, uint32(m.Type), ErrUnknownMessageType)
	}
	return m, nil
}
