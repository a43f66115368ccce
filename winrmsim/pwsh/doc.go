// Package pwsh is the simulated remote process of the WinRM simulator: a
// small PowerShell-like interpreter that behaves like powershell.exe
// -Command - driven over WinRS stdin (no prompt, statement-by-statement
// execution, multi-line statements ended by a blank line, errors on stderr
// as "#< CLIXML"), plus a few cmd.exe commands (echo, ipconfig, hostname,
// whoami, dir, exit). Output is produced as Chunks, one per child write, in
// the WinRS codepage (65001 UTF-8 or 437 CP437). See docs/pwsh-simulator.md.
package pwsh
