// Package wsman is the WS-Management transport that psgate's console
// backends share: an Endpoint (where and as whom), a Client that posts one
// SOAP envelope over HTTP or HTTPS with Basic, NTLM (with message sealing
// over plain HTTP) or Kerberos (one KDC login per Kerberos credential), the
// faults and error categories of a target's replies, and the envelope
// pieces that are not specific to one shell (message IDs, Signal, the
// Receive reply). It does not import masterzen: backend/winrs adapts a
// Client to masterzen's Transporter.
package wsman
