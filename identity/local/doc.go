// Package local is the gateway's built-in users file: local accounts
// with argon2id or bcrypt password hashes, the identity provider of the
// embedded default.
//
// The file is strict YAML (unknown keys are errors):
//
//	users:
//	  - name: demo
//	    hash: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//	    groups: [gateway-users]
//	    disabled: false
//
// Sign-in is constant-time: an unknown user is checked against a dummy hash
// with the same cost, and a disabled account is only reported as disabled
// when its password was right. Every change (Add, Remove, SetPassword,
// SetGroups) takes an exclusive lock on PATH.lock, re-reads the file, and
// replaces it atomically (temp file, fsync, rename), so concurrent `psgate
// user` commands never lose an update; a running gateway picks the change
// up at the next sign-in.
package local
