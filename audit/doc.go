// Package audit is psgate's audit stream: PSWA's gateway event numbers
// (257 authentication failure, 259 authorization failure, 769 session
// start, 770 session end, …) and psgate's own, the Record written for each,
// and Log, which writes records as JSON lines. gateway and session both
// emit Records; nothing here knows HTTP or WinRM.
package audit
