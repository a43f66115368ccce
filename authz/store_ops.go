package authz

import (
	"context"
	"fmt"
	"strings"
)

// NextID returns the lowest non-negative integer no rule uses, as PSWA.
func NextID(rules []Rule) int {
	used := make(map[int]bool, len(rules))
	for _, r := range rules {
		used[r.ID] = true
	}
	id := 0
	for used[id] {
		id++
	}
	return id
}

// Add appends rules in one atomic write, giving each the lowest free Id
// (and "Rule <Id>" as name when it has none). It returns the rules as stored.
func (s *Store) Add(ctx context.Context, rules []Rule) ([]Rule, error) {
	var added []Rule
	err := s.Update(ctx, func(cur []Rule) ([]Rule, error) {
		added = added[:0]
		used := make(map[int]bool, len(cur)+len(rules))
		for _, r := range cur {
			used[r.ID] = true
		}
		next := 0
		for _, r := range rules {
			for used[next] {
				next++
			}
			r.ID = next
			used[next] = true
			if strings.TrimSpace(r.Name) == "" {
				r.Name = defaultName(r.ID)
			}
			added = append(added, r)
		}
		return append(cur, added...), nil
	})
	return added, err
}

// Remove deletes the rules with the given Ids in one atomic write. check, if
// not nil, is called with each rule as it is in the file right now and may
// refuse (the stale-Id guard: Ids are reused, so a rule shown earlier may have
// been replaced by another with the same Id). Nothing is removed unless every
// Id exists and passes check. It returns the removed rules.
func (s *Store) Remove(ctx context.Context, ids []int, check func(Rule) error) ([]Rule, error) {
	var removed []Rule
	err := s.Update(ctx, func(cur []Rule) ([]Rule, error) {
		removed = removed[:0]
		drop := map[int]bool{}
		for _, id := range ids {
			r, ok := find(cur, id)
			if !ok {
				return nil, fmt.Errorf("removing rule %d: %w", id, ErrRuleNotFound)
			}
			if check != nil {
				if err := check(r); err != nil {
					return nil, fmt.Errorf("removing rule %d: %w", id, err)
				}
			}
			if !drop[id] {
				removed = append(removed, r)
			}
			drop[id] = true
		}
		keep := cur[:0:0]
		for _, r := range cur {
			if !drop[r.ID] {
				keep = append(keep, r)
			}
		}
		return keep, nil
	})
	return removed, err
}

// Modify replaces the rule with Id id by fn's result (which keeps the Id) in
// one atomic write and returns the new rule.
func (s *Store) Modify(ctx context.Context, id int, fn func(Rule) (Rule, error)) (Rule, error) {
	var out Rule
	err := s.Update(ctx, func(cur []Rule) ([]Rule, error) {
		for i, r := range cur {
			if r.ID != id {
				continue
			}
			n, err := fn(r)
			if err != nil {
				return nil, fmt.Errorf("updating rule %d: %w", id, err)
			}
			n.ID = id
			cur[i], out = n, n
			return cur, nil
		}
		return nil, fmt.Errorf("updating rule %d: %w", id, ErrRuleNotFound)
	})
	return out, err
}

func find(rules []Rule, id int) (Rule, bool) {
	for _, r := range rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
