// Package mfa is psgate's second factor: TOTP (RFC 6238 through
// github.com/pquerna/otp, each code good once), one-time recovery codes and
// admin-issued enrolment codes (SHA-256 of 80-bit random codes), and the
// factor file store shared by every gateway (lock, atomic write, reload on
// change, through internal/atomicfile) with TOTP secrets sealed by
// AES-256-GCM. Users are keyed by their stable identity (SID for AD, DN for
// LDAP, the name for local users), so a factor follows the account, not the
// name typed. It does no HTTP and logs nothing about factors (docs/mfa.md).
package mfa
