// Package gateway is the HTTPS front of psgate: the chi router and its
// middleware, sign-in and sign-out, the portal, the console websocket bridge,
// the admin API, the audit log and the mapping of errors to HTTP responses.
package gateway
