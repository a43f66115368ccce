package authz

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// prepared is a Request reduced to comparison keys: lower-cased byte slices
// of one reused buffer, looked up in the indexes without allocating (Go does
// not copy for m[string(b)] or string(b) == s). Nothing of it may outlive the
// decision; Decide returns it to the policy's pool.
type prepared struct {
	user                          [][]byte // caller name, aliases, SID, DN
	userName                      string   // for explanations
	groups                        []group
	userSIDUnknown                bool
	groupSIDUnknown               bool
	target                        [][]byte // normalised names (gateway names for localhost), SID, DN
	targetName                    string
	targetGroups                  []group
	targetSIDUnknown              bool
	config, configName            string
	anyUser, anyTarget, anyConfig bool

	arena keyArena
}

type group struct {
	name string
	keys [][]byte
}

// hasKey reports whether k is one of keys.
func hasKey(keys [][]byte, k string) bool {
	for _, b := range keys {
		if string(b) == k {
			return true
		}
	}
	return false
}

// keyArena collects lower-cased keys in one buffer; spans mark each key and
// ends mark where each principal's keys end.
type keyArena struct {
	buf   []byte
	spans [][2]int32
	ends  []int
	keys  [][]byte
	sets  [][][]byte
}

func (a *keyArena) reset() {
	a.buf, a.spans, a.ends, a.keys, a.sets = a.buf[:0], a.spans[:0], a.ends[:0], a.keys[:0], a.sets[:0]
}

// add appends strings.ToLower(strings.TrimSpace(s)) unless empty.
func (a *keyArena) add(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	start := len(a.buf)
	a.buf = append(a.buf, s...)
	b := a.buf[start:]
	var hi byte
	for i, c := range b {
		hi |= c
		if c-'A' < 26 {
			b[i] = c + 'a' - 'A'
		}
	}
	if hi >= utf8.RuneSelf {
		a.buf = append(a.buf[:start], strings.ToLower(s)...)
	}
	a.spans = append(a.spans, [2]int32{int32(start), int32(len(a.buf))})
}

// addRaw appends an already normalised key.
func (a *keyArena) addRaw(s string) {
	if s == "" {
		return
	}
	start := len(a.buf)
	a.buf = append(a.buf, s...)
	a.spans = append(a.spans, [2]int32{int32(start), int32(len(a.buf))})
}

func (a *keyArena) addPrincipal(p Principal, machine string) {
	a.add(NormalizeAccount(p.Name, machine))
	a.add(p.SID)
	a.add(p.DN)
	for _, al := range p.Aliases {
		a.add(NormalizeAccount(al, machine))
	}
	a.end()
}

func (a *keyArena) end() { a.ends = append(a.ends, len(a.spans)) }

// finish slices the keys of every principal out of the buffer (which no
// longer grows), deduplicated within each principal.
func (a *keyArena) finish() [][][]byte {
	for _, sp := range a.spans {
		a.keys = append(a.keys, a.buf[sp[0]:sp[1]:sp[1]])
	}
	from := 0
	for _, to := range a.ends {
		ks := a.keys[from:to:to]
		n := 0
		for _, k := range ks {
			dup := false
			for _, seen := range ks[:n] {
				if bytes.Equal(seen, k) {
					dup = true
					break
				}
			}
			if !dup {
				ks[n] = k
				n++
			}
		}
		a.sets = append(a.sets, ks[:n])
		from = to
	}
	return a.sets
}

func (p *Policy) prepare(r *Request) *prepared {
	m := p.opts.MachineName
	q, _ := p.scratch.Get().(*prepared)
	if q == nil {
		q = &prepared{}
	}
	a := &q.arena
	a.reset()
	a.addPrincipal(r.Caller.Principal, m)
	for _, g := range r.Caller.Groups {
		a.addPrincipal(g, m)
	}
	p.addTarget(a, r.Target)
	for _, g := range r.Target.Groups {
		a.addPrincipal(g, m)
	}
	sets := a.finish()
	nc := len(r.Caller.Groups)
	q.user = sets[0]
	q.groups = groups(q.groups[:0], r.Caller.Groups, sets[1:1+nc])
	q.target = sets[1+nc]
	q.targetGroups = groups(q.targetGroups[:0], r.Target.Groups, sets[2+nc:])

	q.anyUser, q.anyTarget, q.anyConfig = r.AnyUser, r.AnyTarget, r.AnyConfiguration
	q.userName = NormalizeAccount(r.Caller.Name, m)
	q.userSIDUnknown = r.Caller.SID == "" && !r.Caller.Resolved
	q.groupSIDUnknown = !r.Caller.Resolved && !anySID(r.Caller.Groups)
	q.targetName = NormalizeTarget(r.Target.Name)
	q.targetSIDUnknown = r.Target.SID == "" && !r.Target.Resolved
	q.configName = configurationOf(strings.TrimSpace(r.Configuration))
	q.config = strings.ToLower(q.configName)
	return q
}

// release returns q's buffers to the pool (unless a huge request grew them).
func (p *Policy) release(q *prepared) {
	if cap(q.arena.buf) > 64<<10 {
		return
	}
	q.user, q.target, q.userName, q.targetName = nil, nil, "", ""
	clear(q.groups)
	clear(q.targetGroups)
	p.scratch.Put(q)
}

// addTarget adds every comparison form of the target as one principal: its
// normalised name and aliases (the gateway's names for localhost and "."),
// SID and DN.
func (p *Policy) addTarget(a *keyArena, t Target) {
	add := func(s string) {
		n := NormalizeTarget(s)
		if isLocalTarget(n) {
			for _, g := range p.gateway {
				a.addRaw(g)
			}
			return
		}
		a.addRaw(n)
	}
	add(t.Name)
	for _, al := range t.Aliases {
		add(al)
	}
	a.add(t.SID)
	a.add(t.DN)
	a.end()
}

func groups(gs []group, ps []Principal, keys [][][]byte) []group {
	for i, g := range ps {
		name := g.Name
		if name == "" {
			name = g.SID
		}
		gs = append(gs, group{name: name, keys: keys[i]})
	}
	return gs
}

func anySID(ps []Principal) bool {
	for _, g := range ps {
		if g.SID != "" {
			return true
		}
	}
	return false
}
