// Package session owns console sessions: their lifecycle (active,
// disconnected, closed), per-user caps, idle timeouts with a warning,
// disconnect and reconnect with a bounded output buffer, the registry
// (memory or Redis) and the admin actions (list, reset, logoff, message).
//
// Attached clients learn what happens through plain Update values
// (Client.Deliver); the browser protocol that carries them (frames, JSON,
// close codes) is gateway/console's, not this package's.
package session
