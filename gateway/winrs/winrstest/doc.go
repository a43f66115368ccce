// Package winrstest is a WinRM server simulator in the spirit of
// net/http/httptest: it speaks the MS-WSMV cmd-shell subset (Create, Command,
// Send, Receive, Signal, Delete) with Basic and NTLM authentication and runs a
// small PowerShell-like remote process. Tests and psgate demo use it.
//
// Current state: Basic authentication only; replies keep the element shape of
// real Windows recordings (RelatesTo echoes the request MessageID, one
// rsp:Stream per child write, End="true" streams with CommandState Done and
// ExitCode, the exact TimedOut fault 2150858793 on OperationTimeout, faults
// 2150858843 / 2150859173 / 2150858811 as Windows shapes them). The envelope
// parser is namespace-aware, never prefix-bound. Until winrstest/pwsh builds,
// commands run in a small fallback process (echo, exit N, sleep N, stdin
// echo for powershell, cmd.exe's "not recognized" error otherwise).
package winrstest
