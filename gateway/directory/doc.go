// Package directory is the LDAP and Active Directory adapter over go-ldap:
// user binds, user, group and computer lookups, transitive groups and SIDs.
package directory
