package authz

import (
	"os"
	"slices"
	"strings"
	"sync"
)

// Options describe the gateway for the evaluator.
type Options struct {
	// GatewayHost is the gateway's DNS host name. Targets "localhost" and "."
	// mean this computer. Default: os.Hostname().
	GatewayHost string
	// GatewayAliases are other names and addresses of the gateway that a rule
	// may use for it (its short name, FQDN, IPs). Default: none.
	GatewayAliases []string
	// MachineName is the gateway's machine (NetBIOS) name: ".\user" and
	// "localhost\user" mean MachineName\user. Default: the first label of
	// GatewayHost, upper-cased.
	MachineName string
}

func (o *Options) setDefaults() {
	if o.GatewayHost == "" {
		o.GatewayHost, _ = os.Hostname()
	}
	if o.MachineName == "" {
		o.MachineName = strings.ToUpper(strings.SplitN(o.GatewayHost, ".", 2)[0])
	}
}

// Policy is an immutable, indexed set of rules and the evaluator over it. It
// is safe for concurrent use. Build it with NewPolicy.
type Policy struct {
	opts    Options
	rules   []Rule     // sorted by Id
	comp    []compiled // parallel to rules
	gateway []string   // comparison forms of the gateway host

	buckets   []bucket         // allUsers first
	byUser    map[string]int32 // UserType User: bucket by user key
	byGroup   map[string]int32 // UserType UserGroup: bucket by group key
	sidUsers  []int32          // User rules whose key is a SID
	sidGroups []int32          // UserGroup rules whose key is a SID
	scratch   sync.Pool        // *prepared, reused across decisions
}

// bucket holds the rules of one user key. Buckets with more than
// smallBucket rules are also indexed by destination; small ones are scanned.
type bucket struct {
	all     []int32            // every rule of the bucket
	indexed bool               // the fields below are filled
	anyDest []int32            // DestinationAll
	byDest  map[string][]int32 // Computer and ComputerGroup rules by destination key
	sidDest []int32            // rules whose destination is a SID
}

const smallBucket = 8

// index builds the destination index of a large bucket.
func (b *bucket) index(p *Policy) {
	if len(b.all) <= smallBucket {
		return
	}
	b.indexed, b.byDest = true, map[string][]int32{}
	for _, n := range b.all {
		c := &p.comp[n]
		if p.rules[n].DestinationType == DestinationAll {
			b.anyDest = append(b.anyDest, n)
			continue
		}
		b.byDest[c.dest] = append(b.byDest[c.dest], n)
		if c.destSID {
			b.sidDest = append(b.sidDest, n)
		}
	}
}

// addTo appends rule n to the bucket of key k in m.
func (p *Policy) addTo(m map[string]int32, k string, n int32) {
	i, ok := m[k]
	if !ok {
		i = int32(len(p.buckets))
		p.buckets = append(p.buckets, bucket{})
		m[k] = i
	}
	p.buckets[i].all = append(p.buckets[i].all, n)
}

// compiled holds a rule's comparison keys.
type compiled struct {
	user    string // lower-cased, .\ rewritten
	dest    string // lower-cased SID/group, or normalised target
	cfg     string // lower-cased effective configuration or "*"
	userSID bool
	destSID bool
}

// NewPolicy indexes rules (which should be valid, as Decode and the Store
// return them) for evaluation under opts.
func NewPolicy(rules []Rule, opts Options) *Policy {
	opts.setDefaults()
	p := &Policy{opts: opts, rules: slices.Clone(rules),
		buckets: []bucket{{}}, byUser: map[string]int32{}, byGroup: map[string]int32{}}
	slices.SortFunc(p.rules, func(a, b Rule) int { return a.ID - b.ID })
	p.gateway = p.gatewayKeys()
	p.comp = make([]compiled, len(p.rules))
	for i, r := range p.rules {
		c := p.compile(r)
		p.comp[i] = c
		n := int32(i)
		switch r.UserType {
		case UserAll:
			p.buckets[allUsers].all = append(p.buckets[allUsers].all, n)
		case UserAccount:
			p.addTo(p.byUser, c.user, n)
			if c.userSID {
				p.sidUsers = append(p.sidUsers, n)
			}
		case UserGroup:
			p.addTo(p.byGroup, c.user, n)
			if c.userSID {
				p.sidGroups = append(p.sidGroups, n)
			}
		}
	}
	for i := range p.buckets {
		p.buckets[i].index(p)
	}
	return p
}

// allUsers is the bucket of everyone-rules.
const allUsers = 0

func (p *Policy) gatewayKeys() []string {
	keys := []string{NormalizeTarget(p.opts.GatewayHost)}
	for _, a := range p.opts.GatewayAliases {
		keys = appendKey(keys, NormalizeTarget(a))
	}
	return keys
}

func (p *Policy) compile(r Rule) compiled {
	c := compiled{
		user:    accountKey(r.User, p.opts.MachineName),
		userSID: IsSID(r.User),
		destSID: IsSID(r.Destination),
		cfg:     strings.ToLower(configurationOf(r.ConfigurationName)),
	}
	switch r.DestinationType {
	case DestinationComputer:
		c.dest = NormalizeTarget(r.Destination)
		if c.destSID {
			c.dest = strings.ToLower(r.Destination)
		} else if isLocalTarget(c.dest) {
			c.dest = p.gateway[0]
		}
	case DestinationComputerGroup:
		c.dest = accountKey(r.Destination, p.opts.MachineName)
	}
	return c
}

// accountKey is the comparison form of an account name, DN or SID.
func accountKey(s, machine string) string {
	return strings.ToLower(NormalizeAccount(s, machine))
}

// appendKey appends k to keys unless it is empty or already there.
func appendKey(keys []string, k string) []string {
	if k == "" || slices.Contains(keys, k) {
		return keys
	}
	return append(keys, k)
}

// Rules returns the rules, sorted by Id. The slice must not be modified.
func (p *Policy) Rules() []Rule { return p.rules }

// Len returns the number of rules.
func (p *Policy) Len() int { return len(p.rules) }

// Options returns the options the policy evaluates with (defaults applied).
func (p *Policy) Options() Options { return p.opts }
