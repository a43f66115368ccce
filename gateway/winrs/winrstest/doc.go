// Package winrstest is a WinRM server simulator in the spirit of
// net/http/httptest: it speaks the MS-WSMV cmd-shell subset (Create, Command,
// Send, Receive, Signal, Delete) with Basic and NTLM authentication and runs a
// small PowerShell-like remote process. Tests and psgate demo use it.
package winrstest
