package clixml

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cmpOpts compares Values: NaNs equal, zeros only with the same sign, nil
// and empty slices equal.
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
	if d := cmp.Diff(v, got, cmpOpts); d != "" {
		t.Fatalf("round trip of %s (-want +got):\n%s", enc, d)
	}
}
