// Package winrmsim is a WinRM server simulator in the spirit of
// net/http/httptest: it speaks the MS-WSMV cmd-shell subset (Create, Command,
// Send, Receive, Signal, Delete) with Basic, Negotiate (server-side
// NTLMv2, state bound to the TCP connection, NTLM message encryption) and
// Kerberos (AP-REQs verified with a keytab, kerberos.go) over HTTP or HTTPS
// and runs a small PowerShell-like remote process (winrmsim/pwsh). Tests
// and psgate demo use it.
//
// Replies keep the element shape of
// real Windows recordings (RelatesTo echoes the request MessageID, one
// rsp:Stream per child write, End="true" streams with CommandState Done and
// ExitCode, the exact TimedOut fault 2150858793 on OperationTimeout, faults
// 2150858843 / 2150859173 / 2150858811 as Windows shapes them). The envelope
// parser is namespace-aware, never prefix-bound. Commands run in the pwsh
// process with the shell's WINRS_CODEPAGE (437 when absent, as Windows).
//
// Quotas and expiry are Windows': MaxShellsPerUser (2150859173),
// MaxConcurrentOperationsPerUser (2150859174) and the shell IdleTimeOut
// (then 2150858843). Faults injects latency, dropped connections, slow
// output, quota faults, expired shells and wrong credentials.
//
// Shells at http://schemas.microsoft.com/powershell/<name> are PSRP
// runspace pools for the configurations of Config.Endpoints (psrp_pool.go,
// psrp_pipeline.go): pipelines run in one pwsh.Runspace per pool, on the
// shared psrp codec.
package winrmsim
