// Package authz is the PowerShell Web Access authorization layer: the rule
// model, the PSWA AuthorizationRules.xml codec, the shared rule store (atomic
// writes under a lock, reload on change) and the pure evaluator with explain.
// It does no network I/O: directory lookups come in through interfaces it
// declares.
package authz
