package psrp_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/psgate/psgate/psrp"
)

func TestMessageRoundTrip(t *testing.T) {
	rpid, err := psrp.ParseGUID("76056A84-51DC-4F24-9262-CA2A55464B2B")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		m    psrp.Message
	}{
		{"client message without BOM", psrp.Message{Destination: psrp.DestinationServer, Type: psrp.SessionCapability, RPID: rpid, Data: []byte(`<Obj RefId="0"/>`)}},
		{"server message with BOM", psrp.Message{Destination: psrp.DestinationClient, Type: psrp.PipelineOutput, RPID: rpid, PID: rpid, BOM: true, Data: []byte(`<S>x</S>`)}},
		{"empty data", psrp.Message{Destination: psrp.DestinationClient, Type: psrp.EndOfPipelineInput, Data: []byte{}}},
		{"BOM only", psrp.Message{Destination: psrp.DestinationClient, Type: psrp.PipelineState, BOM: true, Data: []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if got := binary.LittleEndian.Uint32(b[0:4]); got != uint32(tt.m.Destination) {
				t.Errorf("destination field %d", got)
			}
			if got := binary.LittleEndian.Uint32(b[4:8]); got != uint32(tt.m.Type) {
				t.Errorf("type field 0x%08X", got)
			}
			back, err := psrp.DecodeMessage(b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.m, back); diff != "" {
				t.Errorf("DecodeMessage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeMessageErrors(t *testing.T) {
	valid := encode(psrp.Message{Destination: psrp.DestinationClient, Type: psrp.PipelineOutput})
	withType := func(typ uint32) []byte {
		b := append([]byte(nil), valid...)
		binary.LittleEndian.PutUint32(b[4:8], typ)
		return b
	}
	withDest := func(d uint32) []byte {
		b := append([]byte(nil), valid...)
		binary.LittleEndian.PutUint32(b[0:4], d)
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"short header", valid[:39], psrp.ErrTruncated},
		{"destination 0", withDest(0), psrp.ErrInvalidMessage},
		{"destination 3", withDest(3), psrp.ErrInvalidMessage},
		{"unknown type", withType(0x00041012), psrp.ErrUnknownMessageType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := psrp.DecodeMessage(tt.data)
			if !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
	m, err := psrp.DecodeMessage(withType(0x7))
	if m.Type != 0x7 || m.Destination != psrp.DestinationClient {
		t.Errorf("unknown type: message %+v not returned with the error %v", m, err)
	}
}

// TestMessageTypes checks every number and name against MS-PSRP 2.2.1.
func TestMessageTypes(t *testing.T) {
	want := map[uint32]string{
		0x00010002: "SESSION_CAPABILITY", 0x00010004: "INIT_RUNSPACEPOOL", 0x00010005: "PUBLIC_KEY",
		0x00010006: "ENCRYPTED_SESSION_KEY", 0x00010007: "PUBLIC_KEY_REQUEST", 0x00010008: "CONNECT_RUNSPACEPOOL",
		0x0002100B: "RUNSPACEPOOL_INIT_DATA", 0x0002100C: "RESET_RUNSPACE_STATE", 0x00021002: "SET_MAX_RUNSPACES",
		0x00021003: "SET_MIN_RUNSPACES", 0x00021004: "RUNSPACE_AVAILABILITY", 0x00021005: "RUNSPACEPOOL_STATE",
		0x00021006: "CREATE_PIPELINE", 0x00021007: "GET_AVAILABLE_RUNSPACES", 0x00021008: "USER_EVENT",
		0x00021009: "APPLICATION_PRIVATE_DATA", 0x0002100A: "GET_COMMAND_METADATA", 0x00021100: "RUNSPACEPOOL_HOST_CALL",
		0x00021101: "RUNSPACEPOOL_HOST_RESPONSE", 0x00041002: "PIPELINE_INPUT", 0x00041003: "END_OF_PIPELINE_INPUT",
		0x00041004: "PIPELINE_OUTPUT", 0x00041005: "ERROR_RECORD", 0x00041006: "PIPELINE_STATE",
		0x00041007: "DEBUG_RECORD", 0x00041008: "VERBOSE_RECORD", 0x00041009: "WARNING_RECORD",
		0x00041010: "PROGRESS_RECORD", 0x00041011: "INFORMATION_RECORD", 0x00041100: "PIPELINE_HOST_CALL",
		0x00041101: "PIPELINE_HOST_RESPONSE",
	}
	got := map[uint32]string{}
	for _, typ := range psrp.MessageTypes() {
		if !typ.Known() {
			t.Errorf("%s not Known", typ)
		}
		got[uint32(typ)] = typ.String()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("message types (-want +got):\n%s", diff)
	}
	if s := psrp.MessageType(0x00041012).String(); s != "MessageType(0x00041012)" {
		t.Errorf("unknown type String() = %q", s)
	}
}

func TestGUID(t *testing.T) {
	const text = "76056A84-51DC-4F24-9262-CA2A55464B2B"
	g, err := psrp.ParseGUID(text)
	if err != nil {
		t.Fatal(err)
	}
	// .NET Guid.ToByteArray order: the first three groups little-endian.
	want := psrp.GUID{0x84, 0x6A, 0x05, 0x76, 0xDC, 0x51, 0x24, 0x4F, 0x92, 0x62, 0xCA, 0x2A, 0x55, 0x46, 0x4B, 0x2B}
	if g != want {
		t.Errorf("ParseGUID = % X, want % X", g[:], want[:])
	}
	if g.String() != text {
		t.Errorf("String = %s", g)
	}
	rfc := g.RFC4122()
	if psrp.FromRFC4122(rfc) != g || rfc[0] != 0x76 {
		t.Errorf("RFC4122 = % X", rfc[:])
	}
	for _, s := range []string{"{" + text + "}", "76056a84-51dc-4f24-9262-ca2a55464b2b"} {
		if h, err := psrp.ParseGUID(s); err != nil || h != g {
			t.Errorf("ParseGUID(%q) = %v, %v", s, h, err)
		}
	}
	for _, s := range []string{"", "76056A84-51DC-4F24-9262-CA2A55464B2", "76056A84_51DC-4F24-9262-CA2A55464B2B", "7605XA84-51DC-4F24-9262-CA2A55464B2B"} {
		if _, err := psrp.ParseGUID(s); !errors.Is(err, psrp.ErrInvalidGUID) {
			t.Errorf("ParseGUID(%q) error = %v", s, err)
		}
	}
	if !(psrp.GUID{}).IsZero() || g.IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestCodecDecodeJoinsErrors(t *testing.T) {
	c, err := psrp.NewCodec(psrp.CodecConfig{})
	if err != nil {
		t.Fatal(err)
	}
	good := encode(psrp.Message{Destination: psrp.DestinationClient, Type: psrp.PipelineOutput, Data: []byte("a")})
	unknown := encode(psrp.Message{Destination: psrp.DestinationClient, Type: 0x99, Data: []byte("b")})
	fr, _ := psrp.NewFragmenter(1000)
	payload := fr.Fragment(unknown, good)[0]
	msgs, err := c.Decode(payload)
	if !errors.Is(err, psrp.ErrUnknownMessageType) {
		t.Errorf("Decode error = %v, want ErrUnknownMessageType", err)
	}
	if len(msgs) != 2 || msgs[0].Type != 0x99 || msgs[1].Type != psrp.PipelineOutput {
		t.Errorf("Decode returned %+v, want both messages", msgs)
	}
}
