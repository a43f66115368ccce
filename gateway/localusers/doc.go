// Package localusers is the gateway's built-in users file: local accounts
// with argon2id or bcrypt password hashes, the identity provider of the
// embedded default.
package localusers
