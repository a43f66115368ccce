// Package ldap is the LDAP and Active Directory adapter over go-ldap:
// user binds, user, group and computer lookups, transitive groups and SIDs.
//
// Sign-in binds as the user on a fresh connection (AD: DOMAIN\user,
// user@realm or a DN; generic LDAP: the DN found by a service-account
// search). Lookups use a small pool of service-account connections that are
// re-dialled when they break. Every operation is bounded by its context and
// Config.Timeout. Groups are transitive: AD through the user's tokenGroups,
// generic LDAP through a cycle-safe search over member attributes done here.
// Referrals are never chased. Failures wrap one of the sentinel errors
// (ErrInvalidCredentials, ErrAccountLocked, …) with the AD data code or the
// password-policy reason as detail for the audit log.
package ldap
