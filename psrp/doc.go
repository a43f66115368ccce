// Package psrp implements the lower layers of the PowerShell Remoting
// Protocol (MS-PSRP) with no network I/O: fragments and their reassembly
// (MS-PSRP 2.2.4), the message header (2.2.1), the session key exchange
// (PUBLIC_KEY / ENCRYPTED_SESSION_KEY, 2.2.2.3–2.2.2.4) and SecureString
// encryption. The CLIXML payload lives in psrp/clixml; the WS-Management
// transport and the runspace-pool and pipeline state machines come later.
//
// Both halves of the protocol use the same types: a client encodes messages
// destined to the server and decodes the server's, and the simulator's server
// half does the opposite, with the same Codec.
package psrp
