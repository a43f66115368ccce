// Package console bridges the browser console's websocket
// (docs/websocket-protocol.md, subprotocol psgate.v1) to a session.Session.
// It is the protocol's one home (protocol.go): the frames from the browser,
// the frames to it (encoded from the session's JSON-free session.Update
// values) and the close codes.
//
// Each connection has one reader goroutine (started by the HTTP handler,
// which returns after the upgrade) and one writer goroutine, which is the
// only goroutine writing data frames to the socket; it also sends the pings.
// session.Client.Deliver only queues updates into a bounded per-connection
// queue: a client that cannot keep up is closed (1013) instead of blocking
// the session manager. Closing the socket detaches the client; the session
// stays, disconnected, and a new socket reconnects.
package console
