package psrp_test

import (
	"fmt"

	"github.com/psgate/psgate/psrp"
)

// A client encodes messages for the server; the server's Codec decodes them.
// The first payload goes into creationXml (or a Command's arguments), any
// further ones into Send; each is base64-encoded by the transport.
func ExampleCodec() {
	size, err := psrp.MaxPayloadSize(512000, psrp.DefaultEnvelopeOverhead)
	if err != nil {
		panic(err)
	}
	client, _ := psrp.NewCodec(psrp.CodecConfig{MaxPayloadSize: size})
	server, _ := psrp.NewCodec(psrp.CodecConfig{})

	rpid, _ := psrp.ParseGUID("76056A84-51DC-4F24-9262-CA2A55464B2B")
	payloads, _ := client.Encode(
		psrp.Message{Destination: psrp.DestinationServer, Type: psrp.SessionCapability, RPID: rpid, Data: []byte(`<Obj RefId="0"/>`)},
		psrp.Message{Destination: psrp.DestinationServer, Type: psrp.InitRunspacePool, RPID: rpid, Data: []byte(`<Obj RefId="1"/>`)},
	)
	fmt.Println(len(payloads), "payload")
	for _, p := range payloads {
		msgs, err := server.Decode(p)
		if err != nil {
			panic(err)
		}
		for _, m := range msgs {
			fmt.Println(m.Type, m.RPID, string(m.Data))
		}
	}
	// Output:
	// 1 payload
	// SESSION_CAPABILITY 76056A84-51DC-4F24-9262-CA2A55464B2B <Obj RefId="0"/>
	// INIT_RUNSPACEPOOL 76056A84-51DC-4F24-9262-CA2A55464B2B <Obj RefId="1"/>
}
