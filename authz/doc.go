// Package authz is the PowerShell Web Access authorization layer: the rule
// model, the PSWA AuthorizationRules.xml codec, the shared rule store (atomic
// writes under a lock, reload on change) and the pure evaluator with explain.
// It does no network I/O: directory lookups come in through interfaces it
// declares.
//
// The gateway opens a Store on the rules file, builds a Request from the
// signed-in user (Caller: name, SID, DN, aliases, transitive groups) and the
// target as typed (Target, with aliases, SID and groups when a directory
// knows the computer), and calls Store.Decide; Decision names every matching
// rule and the rules that could not be evaluated. Explain adds a reason for
// every rule. Admin tools change rules with RuleSpec.Build (canonicalising
// names through a Resolver) and Store.Add, Remove, Modify or Update.
package authz
