// Package access is the one bridge between who signed in (identity) and
// the authorization rules (authz): it maps an identity.Identity to an
// authz.Caller and a computer name to an authz.Target (looked up in the
// directory, with a small cache), decides with the shared rules, and
// canonicalises the names of `rule add` through the same directory
// (Resolver). Nothing here speaks HTTP or LDAP: the directory comes in as
// an identity.Directory.
package access
