package clixml

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cmpOpts compares Values in table tests: NaNs equal, zeros only with the
// same sign, nil and empty slices equal. (cmp walks shared objects once per
// path, so graphs with many Refs use graphEqual instead.)
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b Double) bool { return sameFloat(float64(a), float64(b)) }),
	cmp.Comparer(func(a, b Single) bool { return sameFloat(float64(a), float64(b)) }),
	cmpopts.EquateEmpty(),
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

// graphEqual reports whether a and b are the same value graph: equal
// primitives, and objects that correspond one to one, so sharing (Refs)
// and cycles must match too. It visits each object once.
func graphEqual(a, b Value) bool {
	g := graphEq{map[*Object]*Object{}, map[*Object]*Object{}}
	return g.value(a, b)
}

type graphEq struct{ ab, ba map[*Object]*Object }

func (g graphEq) value(a, b Value) bool {
	switch x := a.(type) {
	case *Object:
		y, ok := b.(*Object)
		return ok && g.object(x, y)
	case Double:
		y, ok := b.(Double)
		return ok && sameFloat(float64(x), float64(y))
	case Single:
		y, ok := b.(Single)
		return ok && sameFloat(float64(x), float64(y))
	case Bytes:
		y, ok := b.(Bytes)
		return ok && bytes.Equal(x, y)
	case SecureString:
		y, ok := b.(SecureString)
		return ok && bytes.Equal(x, y)
	case DateTime:
		y, ok := b.(DateTime)
		_, ox := x.Time.Zone()
		_, oy := y.Time.Zone()
		return ok && x.Kind == y.Kind && x.Time.Equal(y.Time) && (x.Kind != Local || ox == oy)
	case ProgressRecord:
		y, ok := b.(ProgressRecord)
		if !ok || !sameStringPtr(x.CurrentOperation, y.CurrentOperation) {
			return false
		}
		x.CurrentOperation, y.CurrentOperation = nil, nil
		return x == y
	}
	return a == b
}

func sameStringPtr(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func (g graphEq) object(x, y *Object) bool {
	if m, ok := g.ab[x]; ok {
		return m == y
	}
	if _, ok := g.ba[y]; ok {
		return false
	}
	g.ab[x], g.ba[y] = y, x
	if !slices.Equal(x.TypeNames, y.TypeNames) || !sameStringPtr(x.ToString, y.ToString) ||
		(x.Content == nil) != (y.Content == nil) || (x.Content != nil && !g.value(x.Content, y.Content)) ||
		x.Kind != y.Kind || len(x.Items) != len(y.Items) || len(x.Entries) != len(y.Entries) ||
		!slices.Equal(x.Extra, y.Extra) || !g.props(x.Props, y.Props) || !g.props(x.Members, y.Members) {
		return false
	}
	for i := range x.Items {
		if !g.value(x.Items[i], y.Items[i]) {
			return false
		}
	}
	for i := range x.Entries {
		if !g.value(x.Entries[i].Key, y.Entries[i].Key) || !g.value(x.Entries[i].Value, y.Entries[i].Value) {
			return false
		}
	}
	return true
}

func (g graphEq) props(a, b []Property) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !g.value(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

// assertRoundTrip checks that v encodes and decodes back to itself.
func assertRoundTrip(t testing.TB, v Value) {
	t.Helper()
	enc, err := Encode(v)
	if err != nil {
		t.Fatalf("encode %#v: %v", v, err)
	}
	got, _, err := Decode(enc)
	if err != nil {
		t.Fatalf("decode %s: %v", enc, err)
	}
	if !graphEqual(v, got) {
		again, _ := Encode(got)
		t.Fatalf("round trip differs:\nencoded   %s\nre-encoded %s", enc, again)
	}
}
