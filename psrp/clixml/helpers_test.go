package clixml

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cmpOpts compares Values: NaNs equal, nil and empty slices equal.
var cmpOpts = cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}

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
