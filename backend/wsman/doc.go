// Package wsman is the WS-Management transport that psgate's console
// backends share: an Endpoint (where and as whom), a Client that posts one
// SOAP envelope over HTTP or HTTPS with Basic, NTLM (with message sealing
// over plain HTTP) or Kerberos (one KDC login per Kerberos credential), the
// faults and error categories of a target's replies, the envelopes and
// replies of the shell operations (Create, Command, Send, Receive, Signal,
// Delete, Get, Disconnect, Reconnect, Connect, Enumerate, as PSRP and
// WinRS use them, shaped as pypsrp's recordings of Windows show), and a
// Shell client on top of a Client. It does not import masterzen:
// backend/winrs adapts a Client to masterzen's Transporter.
package wsman
