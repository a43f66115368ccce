package clixml

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDecodeErrors(t *testing.T) {
	deep := strings.Repeat(`<Obj><LST>`, 40) + strings.Repeat(`</LST></Obj>`, 40)
	tests := []struct {
		in   string
		want error
	}{
		{``, ErrSyntax},
		{`text`, ErrSyntax},
		{`<S>a</S><S>b</S>`, ErrSyntax},
		{`<S>a</T>`, ErrSyntax},
		{`<S>a`, ErrSyntax},
		{`<S>a<b/></S>`, ErrSyntax},
		{`<S>&bogus;</S>`, ErrSyntax},
		{`<S>&#0;</S>`, ErrSyntax},
		{`<S>&#xD800;</S>`, ErrSyntax},
		{`<!DOCTYPE x [<!ENTITY a "b">]><S>&a;</S>`, ErrSyntax},
		{`<Obj RefId="0" RefId="1"></Obj>`, ErrSyntax},
		{`<Obj RefId=0></Obj>`, ErrSyntax},
		{"<S>\xff</S>", ErrInvalidUTF8},
		{`<I32>x</I32>`, ErrInvalid},
		{`<I32>2147483648</I32>`, ErrInvalid},
		{`<By>-1</By>`, ErrInvalid},
		{`<B>yes</B>`, ErrInvalid},
		{`<Db>0x1p3</Db>`, ErrInvalid},
		{`<Db>1_0</Db>`, ErrInvalid},
		{`<D>1.2.3</D>`, ErrInvalid},
		{`<D>1e5</D>`, ErrInvalid},
		{`<G>not-a-guid</G>`, ErrInvalid},
		{`<Version>1</Version>`, ErrInvalid},
		{`<BA>!!</BA>`, ErrInvalid},
		{`<DT>2018-13-01T00:00:00</DT>`, ErrInvalid},
		{`<DT>2018-02-30T00:00:00</DT>`, ErrInvalid},
		{`<DT>2018-01-01T00:00:00+15:00</DT>`, ErrInvalid},
		{`<DT>2018-01-01</DT>`, ErrInvalid},
		{`<TS>P</TS>`, ErrInvalid},
		{`<TS>PT</TS>`, ErrInvalid},
		{`<TS>P1H</TS>`, ErrInvalid},
		{`<TS>PT1D</TS>`, ErrInvalid},
		{`<TS>PT1M1H</TS>`, ErrInvalid},
		{`<TS>P10675200D</TS>`, ErrInvalid},
		{`<TS>PT1.5M</TS>`, ErrInvalid},
		{`<Ref RefId="9" />`, ErrInvalid},
		{`<Obj RefId="0"><TNRef RefId="0" /></Obj>`, ErrInvalid},
		{`<Obj RefId="0"><LST><Obj RefId="0"/></LST></Obj>`, ErrInvalid},
		{`<Obj><TN><X/></TN></Obj>`, ErrInvalid},
		{`<Obj><DCT><S>a</S></DCT></Obj>`, ErrInvalid},
		{`<Obj><DCT><En><S N="Key">a</S></En></DCT></Obj>`, ErrInvalid},
		{`<PR><AV>a</AV></PR>`, ErrInvalid},
		{`<Obj><ToString/><ToString></ToString></Obj>`, ErrInvalid},
		{`<Obj><TN RefId="0"/><TNRef RefId="0"/></Obj>`, ErrInvalid},
		{`<Obj><MS/><MS/></Obj>`, ErrInvalid},
		{`<Obj><Props/><Props/></Obj>`, ErrInvalid},
		{`<Obj><LST/><DCT/></Obj>`, ErrInvalid},
		{`<Obj><I32>1</I32><S>a</S></Obj>`, ErrInvalid},
		{`<S` + manyAttrs(33) + `>x</S>`, ErrTooLarge},
		{deep, ErrTooDeep},
		{`<Foo>` + strings.Repeat(`<a>`, 70) + strings.Repeat(`</a>`, 70) + `</Foo>`, ErrTooDeep},
	}
	for _, tt := range tests {
		v, _, err := Decode([]byte(tt.in))
		if !errors.Is(err, tt.want) || v != nil {
			t.Errorf("Decode(%.60q) = %v, %v; want %v", tt.in, v, err, tt.want)
		}
	}
}

func TestLimits(t *testing.T) {
	d := Decoder{MaxBytes: 10}
	if _, _, err := d.Decode([]byte(`<S>0123456789</S>`)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes: %v", err)
	}
	d = Decoder{MaxDepth: 2}
	if _, _, err := d.Decode([]byte(`<Obj><MS><S N="a">x</S></MS></Obj>`)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("MaxDepth: %v", err)
	}
	// The encoder refuses what the default decoder would.
	v := Value(String("x"))
	for range 40 {
		v = &Object{Kind: List, Items: []Value{v}}
	}
	if _, err := Encode(v); !errors.Is(err, ErrTooDeep) {
		t.Errorf("Encode deep: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []Value{
		(*Object)(nil),
		String("a\xffb"),
		&Object{Members: []Property{{"bad\xff", Nil{}}}},
		Decimal("1e5"),
		Version{1, 2, -1, 3},
		Version{1, 2, -5, -1},
		DateTime{Kind: 7},
		DateTime{Time: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		DateTime{Time: time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", 30)), Kind: Local},
		&Object{Kind: List, Entries: []Entry{{String("k"), String("v")}}},
		&Object{Items: []Value{String("x")}},
		&Object{Content: Unknown{"<X/>"}},
		Unknown{"<X>"},
	}
	for _, v := range tests {
		if _, err := Encode(v); err == nil {
			t.Errorf("Encode(%#v): no error", v)
		}
	}
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, ` a%d="x"`, i)
	}
	return b.String()
}
