package authz

// Principal is one account (user, group or computer) in every form a
// directory knows it by. A rule matches the principal when its canonical form
// equals any non-empty form, case-insensitively.
type Principal struct {
	// Name is the SAM form DOMAIN\name, or the name as typed when no
	// directory is involved. ".\x" and "localhost\x" mean GATEWAY\x.
	Name string `json:"name"`
	// SID is the security identifier (S-1-5-21-…), "" when unknown.
	SID string `json:"sid,omitempty"`
	// DN is the LDAP distinguished name, "" when unknown.
	DN string `json:"dn,omitempty"`
	// Aliases are other names of the same principal (UPN, local name …).
	Aliases []string `json:"aliases,omitempty"`
}

// Caller is the signed-in gateway user being authorized. Only the gateway
// credential is authorized, never alternate target credentials.
type Caller struct {
	Principal
	// Groups is the transitive set of groups the user belongs to (AD
	// tokenGroups, nested groupOfNames, local groups of the gateway).
	Groups []Principal `json:"groups,omitempty"`
	// Resolved says a directory vouched for this identity, so an empty SID
	// means "has no SID". When false and SID is empty, rules whose user or
	// group is a SID cannot be evaluated and are reported as invalid.
	Resolved bool `json:"resolved,omitempty"`
}

// Target is the computer the caller asks to connect to.
type Target struct {
	// Name is the computer as typed on the sign-in page: a short name, an
	// FQDN, an IP literal (brackets allowed) or a connection URI. It is
	// normalised before comparison (see NormalizeTarget); "localhost" and "."
	// mean the gateway itself.
	Name string `json:"name"`
	// Aliases are other names and addresses of the same computer, as a
	// directory or DNS says (short name, FQDN, IPs). They are normalised too.
	Aliases []string `json:"aliases,omitempty"`
	// SID and DN identify a directory computer account, "" when unknown.
	SID string `json:"sid,omitempty"`
	DN  string `json:"dn,omitempty"`
	// Groups is the transitive set of computer groups it belongs to.
	Groups []Principal `json:"groups,omitempty"`
	// Resolved says a directory was asked about this computer, so an empty
	// SID means "not a directory computer". When false and SID is empty,
	// rules whose destination is a SID cannot be evaluated (invalid).
	Resolved bool `json:"resolved,omitempty"`
}

// Request is one authorization question: may Caller open Configuration on
// Target? The Any* fields make a dimension always match, as "*" does in
// Test-PswaAuthorizationRule; the gateway never sets them.
type Request struct {
	Caller        Caller `json:"caller"`
	Target        Target `json:"target"`
	Configuration string `json:"configuration"` // "" means Microsoft.PowerShell

	AnyUser          bool `json:"anyUser,omitempty"`
	AnyTarget        bool `json:"anyTarget,omitempty"`
	AnyConfiguration bool `json:"anyConfiguration,omitempty"`
}
