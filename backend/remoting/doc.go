// Package remoting is psgate's PowerShell remoting client: our MS-PSRP
// state machines (psrp) carried over WS-Management (backend/wsman). Open
// creates a shell at the session configuration's resource URI
// (http://schemas.microsoft.com/powershell/<configuration>) with the
// runspace pool's opening messages as its creationXml, so the
// configuration the rules allowed is the one the target opens; Invoke runs
// one pipeline (its first fragment in the Command arguments, the rest on
// stdin, host replies on pr) and streams its events; Stop signals
// powershell/signal/ctrl_c and keeps the runspace; Close deletes the shell.
//
// It holds no goroutine of its own: callers drive it (the console backend
// runs the receive loop). A Client is safe for concurrent use; calls on the
// pool are serialised.
package remoting
