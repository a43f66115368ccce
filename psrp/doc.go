// Package psrp implements the PowerShell Remoting Protocol (MS-PSRP) with
// no network I/O: fragments and their reassembly (MS-PSRP 2.2.4), the
// message header (2.2.1), typed message bodies for every message type
// (DecodeBody, EncodeBody; 2.2.2), host calls decoded into typed requests
// and answered through a caller's Host, the session key exchange and
// SecureString encryption, and the client state machines: a RunspacePool
// and its Pipelines consume decoded server messages (Feed) and queue client
// messages (Outgoing). The CLIXML payload lives in psrp/clixml; the
// WS-Management transport is another package's job.
//
// Both halves of the protocol use the same types: a client encodes messages
// destined to the server and decodes the server's, and the simulator's server
// half does the opposite, with the same Codec and bodies.
package psrp
