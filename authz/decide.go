package authz

import (
	"errors"
	"fmt"
	"slices"
)

// ErrInvalidRules marks a denial where no rule matched and at least one rule
// could not be evaluated (PSWA's "invalid rules" case, event 267).
var ErrInvalidRules = errors.New("access denied: no rule matched and some rules could not be evaluated")

// Outcome is what one rule says about one request.
type Outcome int

// The outcomes of one rule.
const (
	NoMatch Outcome = iota // at least one part does not match
	Match                  // all three parts match
	Invalid                // the rule cannot be evaluated (a SID with no SID to compare)
)

// String returns "no match", "match" or "invalid".
func (o Outcome) String() string {
	return [...]string{"no match", "match", "invalid"}[o]
}

// MarshalText implements encoding.TextMarshaler.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Reason is the verdict of one rule with a human-readable explanation, e.g.
// "rule 4: user matches via group EXAMPLE\helpdesk; computer 'srv1' ≠ 'srv2.example.test'".
type Reason struct {
	Rule    Rule    `json:"rule"`
	Outcome Outcome `json:"outcome"`
	Text    string  `json:"text"`
}

// Decision is the answer to one Request.
type Decision struct {
	// Allowed is true when at least one rule matched.
	Allowed bool `json:"allowed"`
	// Matched lists every matching rule, by Id.
	Matched []Rule `json:"matched"`
	// Invalid lists the rules that could not be evaluated, with why.
	Invalid []Reason `json:"invalid,omitempty"`
	// Reasons has one entry per rule, by Id; only Explain fills it.
	Reasons []Reason `json:"reasons,omitempty"`
}

// Err returns nil when allowed, ErrInvalidRules when denied with invalid
// rules present, and nil otherwise (a plain denial is not an error).
func (d Decision) Err() error {
	if !d.Allowed && len(d.Invalid) > 0 {
		return ErrInvalidRules
	}
	return nil
}

// Decide evaluates req against the rules using the indexes: only rules that
// name the caller, one of its groups or everyone, and then only those whose
// destination is one of the target's keys or everything, are examined.
func (p *Policy) Decide(req Request) Decision {
	q := p.prepare(&req)
	defer p.release(q)
	var d Decision
	if req.AnyUser {
		for i := range p.rules {
			o, text := p.eval(i, q, false)
			p.record(&d, i, o, text)
		}
		return d.finish()
	}
	p.evalBucket(&d, q, &p.buckets[allUsers])
	for _, k := range q.user {
		if i, ok := p.byUser[string(k)]; ok {
			p.evalBucket(&d, q, &p.buckets[i])
		}
	}
	for _, g := range q.groups {
		for _, k := range g.keys {
			if i, ok := p.byGroup[string(k)]; ok {
				p.evalBucket(&d, q, &p.buckets[i])
			}
		}
	}
	if q.userSIDUnknown {
		p.evalList(&d, q, p.sidUsers)
	}
	if q.groupSIDUnknown {
		p.evalList(&d, q, p.sidGroups)
	}
	return d.finish()
}

// evalBucket evaluates the rules of one user key that can concern the target.
func (p *Policy) evalBucket(d *Decision, q *prepared, b *bucket) {
	if q.anyTarget || !b.indexed {
		p.evalList(d, q, b.all)
		return
	}
	p.evalList(d, q, b.anyDest)
	for _, k := range q.target {
		p.evalList(d, q, b.byDest[string(k)])
	}
	for _, g := range q.targetGroups {
		for _, k := range g.keys {
			p.evalList(d, q, b.byDest[string(k)])
		}
	}
	if q.targetSIDUnknown {
		p.evalList(d, q, b.sidDest)
	}
}

// evalList evaluates the rules at the given positions and records verdicts.
func (p *Policy) evalList(d *Decision, q *prepared, idx []int32) {
	for _, i := range idx {
		o, text := p.eval(int(i), q, false)
		p.record(d, int(i), o, text)
	}
}

// Explain evaluates req against every rule and gives a reason for each.
func (p *Policy) Explain(req Request) Decision {
	q := p.prepare(&req)
	defer p.release(q)
	var d Decision
	for i := range p.rules {
		o, text := p.eval(i, q, true)
		p.record(&d, i, o, text)
		d.Reasons = append(d.Reasons, Reason{Rule: p.rules[i], Outcome: o, Text: text})
	}
	return d.finish()
}

func (p *Policy) record(d *Decision, i int, o Outcome, text string) {
	switch o {
	case Match:
		d.Matched = append(d.Matched, p.rules[i])
	case Invalid:
		d.Invalid = append(d.Invalid, Reason{Rule: p.rules[i], Outcome: o, Text: text})
	}
}

func (d Decision) finish() Decision {
	d.Allowed = len(d.Matched) > 0
	byID := func(a, b Rule) int { return a.ID - b.ID }
	slices.SortFunc(d.Matched, byID)
	d.Matched = slices.CompactFunc(d.Matched, func(a, b Rule) bool { return a.ID == b.ID })
	slices.SortFunc(d.Invalid, func(a, b Reason) int { return byID(a.Rule, b.Rule) })
	d.Invalid = slices.CompactFunc(d.Invalid, func(a, b Reason) bool { return a.Rule.ID == b.Rule.ID })
	return d
}

// eval is the per-rule verdict; text is only built when explain is set or the
// rule is invalid.
func (p *Policy) eval(i int, q *prepared, explain bool) (Outcome, string) {
	r, c := &p.rules[i], &p.comp[i]
	uo, ut := p.evalUser(r, c, q, explain)
	do, dt := p.evalDest(r, c, q, explain)
	co, ct := evalConfig(r, c, q, explain)
	o := combine(uo, do, co)
	if !explain {
		if o != Invalid {
			return o, ""
		}
		return p.eval(i, q, true) // rare: build the reason text
	}
	return o, fmt.Sprintf("rule %d: %s; %s; %s", r.ID, ut, dt, ct)
}

// combine: any NoMatch wins, then any Invalid, else Match.
func combine(os ...Outcome) Outcome {
	res := Match
	for _, o := range os {
		if o == NoMatch {
			return NoMatch
		}
		if o == Invalid {
			res = Invalid
		}
	}
	return res
}

func (p *Policy) evalUser(r *Rule, c *compiled, q *prepared, explain bool) (Outcome, string) {
	switch {
	case q.anyUser:
		return Match, "user ignored"
	case r.UserType == UserAll:
		return Match, "user * matches everyone"
	case r.UserType == UserAccount:
		if hasKey(q.user, c.user) {
			if !explain {
				return Match, ""
			}
			return Match, fmt.Sprintf("user matches %s", r.User)
		}
		if c.userSID && q.userSIDUnknown {
			if !explain {
				return Invalid, ""
			}
			return Invalid, fmt.Sprintf("user %s is a SID and the caller's SID is unknown", r.User)
		}
		if !explain {
			return NoMatch, ""
		}
		return NoMatch, fmt.Sprintf("user '%s' ≠ '%s'", q.userName, r.User)
	}
	for _, g := range q.groups {
		if hasKey(g.keys, c.user) {
			if !explain {
				return Match, ""
			}
			return Match, fmt.Sprintf("user matches via group %s", g.name)
		}
	}
	if c.userSID && q.groupSIDUnknown {
		if !explain {
			return Invalid, ""
		}
		return Invalid, fmt.Sprintf("group %s is a SID and the caller's group SIDs are unknown", r.User)
	}
	if !explain {
		return NoMatch, ""
	}
	return NoMatch, fmt.Sprintf("user '%s' is not in group %s", q.userName, r.User)
}

func (p *Policy) evalDest(r *Rule, c *compiled, q *prepared, explain bool) (Outcome, string) {
	switch {
	case q.anyTarget:
		return Match, "computer ignored"
	case r.DestinationType == DestinationAll:
		return Match, "computer * matches every computer"
	case r.DestinationType == DestinationComputer:
		if hasKey(q.target, c.dest) {
			if !explain {
				return Match, ""
			}
			return Match, fmt.Sprintf("computer '%s' matches %s", q.targetName, r.Destination)
		}
		if c.destSID && q.targetSIDUnknown {
			if !explain {
				return Invalid, ""
			}
			return Invalid, fmt.Sprintf("computer %s is a SID and the target's SID is unknown", r.Destination)
		}
		if !explain {
			return NoMatch, ""
		}
		return NoMatch, fmt.Sprintf("computer '%s' ≠ '%s'", q.targetName, r.Destination)
	}
	for _, g := range q.targetGroups {
		if hasKey(g.keys, c.dest) {
			if !explain {
				return Match, ""
			}
			return Match, fmt.Sprintf("computer '%s' matches via group %s", q.targetName, g.name)
		}
	}
	if c.destSID && q.targetSIDUnknown {
		if !explain {
			return Invalid, ""
		}
		return Invalid, fmt.Sprintf("computer group %s is a SID and the target's groups are unknown", r.Destination)
	}
	if !explain {
		return NoMatch, ""
	}
	return NoMatch, fmt.Sprintf("computer '%s' is not in group %s", q.targetName, r.Destination)
}

func evalConfig(r *Rule, c *compiled, q *prepared, explain bool) (Outcome, string) {
	switch {
	case q.anyConfig:
		return Match, "configuration ignored"
	case c.cfg == Wildcard:
		return Match, "configuration * matches every configuration"
	case c.cfg == q.config:
		if !explain {
			return Match, ""
		}
		return Match, fmt.Sprintf("configuration matches %s", configurationOf(r.ConfigurationName))
	}
	if !explain {
		return NoMatch, ""
	}
	return NoMatch, fmt.Sprintf("configuration '%s' ≠ '%s'", q.configName, configurationOf(r.ConfigurationName))
}
