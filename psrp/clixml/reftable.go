package clixml

// refTable maps the RefIds of one document to what they define. Windows
// numbers them 0, 1, 2 … in order, which a slice serves; any other id
// goes to a map.
type refTable[T any] struct {
	seq   []T
	other map[string]T
}

// seqIndex reads a canonical decimal (no sign, no leading zero).
func seqIndex(id []byte) (int, bool) {
	if len(id) == 0 || len(id) > 9 || (id[0] == '0' && len(id) > 1) {
		return 0, false
	}
	n := 0
	for _, c := range id {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// define records v under id, reporting false if id is taken.
func (t *refTable[T]) define(id []byte, v T) bool {
	if n, ok := seqIndex(id); ok {
		if n < len(t.seq) {
			return false
		}
		if n == len(t.seq) && t.other == nil {
			t.seq = append(t.seq, v)
			return true
		}
	}
	if _, ok := t.lookup(id); ok {
		return false
	}
	if t.other == nil {
		t.other = map[string]T{}
	}
	t.other[string(id)] = v
	return true
}

func (t *refTable[T]) lookup(id []byte) (T, bool) {
	if n, ok := seqIndex(id); ok && n < len(t.seq) {
		return t.seq[n], true
	}
	v, ok := t.other[string(id)]
	return v, ok
}
