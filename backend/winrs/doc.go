// Package winrs is the console backend over a WinRS cmd shell, driven with
// github.com/masterzen/winrm: a long-lived powershell.exe fed over stdin with
// a sentinel protocol. masterzen builds the envelopes; they travel through
// the WS-Man transport of backend/wsman. It is the only package that
// imports masterzen.
package winrs
