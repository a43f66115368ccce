package clixml

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func decodeOK(t *testing.T, in string) Value {
	t.Helper()
	v, warns, err := Decode([]byte(in))
	if err != nil || len(warns) > 0 {
		t.Fatalf("Decode(%s): %v, warnings %v", in, err, warns)
	}
	return v
}

func encodeOK(t *testing.T, v Value) string {
	t.Helper()
	b, err := Encode(v)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return string(b)
}

func TestEnum(t *testing.T) {
	in := `<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Default</ToString><I32>0</I32></Obj>`
	v := decodeOK(t, in)
	want := NewEnum("System.Management.Automation.Runspaces.PSThreadOptions", "Default", 0)
	if d := cmp.Diff(Value(want), v, cmpOpts); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	o := v.(*Object)
	if n, ok := AsInt(o); !o.IsEnum() || !ok || n != 0 || *o.ToString != "Default" {
		t.Errorf("IsEnum %v, AsInt %d %v", o.IsEnum(), n, ok)
	}
	if got := encodeOK(t, want); got != in {
		t.Errorf("Encode = %s", got)
	}
}

// TestPropsAndMembers: an InformationRecord-like object keeps both.
func TestPropsAndMembers(t *testing.T) {
	in := `<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.InformationRecord</T><T>System.Object</T></TN><ToString>hi</ToString>` +
		`<Props><Obj N="MessageData" RefId="1"><TN RefId="1"><T>System.String</T><T>System.Object</T></TN><ToString>hi</ToString><S>hi</S></Obj><S N="Source">Write-Information</S></Props>` +
		`<MS><B N="WriteInformationStream">true</B></MS></Obj>`
	o := decodeOK(t, in).(*Object)
	if len(o.Props) != 2 || len(o.Members) != 1 {
		t.Fatalf("Props %v Members %v", o.Props, o.Members)
	}
	md, _ := o.Prop("MessageData")
	if s, ok := AsString(md); !ok || s != "hi" {
		t.Errorf("MessageData = %#v", md)
	}
	if v, ok := o.Get("WriteInformationStream"); !ok || v != Bool(true) {
		t.Errorf("Get = %v %v", v, ok)
	}
	if got := encodeOK(t, o); got != in {
		t.Errorf("Encode = %s", got)
	}
}

func TestCollections(t *testing.T) {
	for _, tag := range []string{"LST", "IE", "STK", "QUE"} {
		in := `<Obj RefId="0"><TN RefId="0"><T>X</T></TN><` + tag + `><I32>1</I32><S>a</S><Nil /></` + tag + `></Obj>`
		o := decodeOK(t, in).(*Object)
		if len(o.Items) != 3 || collectionTag(o.Kind) != tag {
			t.Errorf("%s: %+v", tag, o)
		}
		if got := encodeOK(t, o); got != in {
			t.Errorf("Encode = %s", got)
		}
	}
	in := `<Obj RefId="0"><DCT><En><S N="Key">a</S><I32 N="Value">1</I32></En><En><I32 N="Key">2</I32><Obj N="Value" RefId="1"><LST /></Obj></En></DCT></Obj>`
	o := decodeOK(t, in).(*Object)
	want := &Object{Kind: Dictionary, Entries: []Entry{{String("a"), Int32(1)}, {Int32(2), &Object{Kind: List}}}}
	if d := cmp.Diff(want, o, cmpOpts); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if got := encodeOK(t, o); got != in {
		t.Errorf("Encode = %s", got)
	}
	// Value before Key is accepted and written back in Windows order.
	o2 := decodeOK(t, `<Obj RefId="0"><DCT><En><I32 N="Value">1</I32><S N="Key">a</S></En></DCT></Obj>`)
	if got := encodeOK(t, o2); !strings.Contains(got, `<En><S N="Key">a</S><I32 N="Value">1</I32></En>`) {
		t.Errorf("Encode = %s", got)
	}
}

func TestRefAndTNRef(t *testing.T) {
	in := `<Obj RefId="0"><TN RefId="0"><T>A</T></TN><MS><Obj N="x" RefId="1"><TN RefId="1"><T>B</T></TN><LST><Ref RefId="0" /></LST></Obj>` +
		`<Ref N="y" RefId="1" /><Obj N="z" RefId="2"><TNRef RefId="1" /></Obj></MS></Obj>`
	o := decodeOK(t, in).(*Object)
	x, _ := o.Member("x")
	y, _ := o.Member("y")
	z, _ := o.Member("z")
	if x != y {
		t.Error("Ref did not resolve to the same *Object")
	}
	if x.(*Object).Items[0] != Value(o) {
		t.Error("Ref to the enclosing object did not make the cycle")
	}
	if &x.(*Object).TypeNames[0] != &z.(*Object).TypeNames[0] {
		t.Error("TNRef did not share the TN slice")
	}
	if got := encodeOK(t, o); got != in {
		t.Errorf("Encode = %s", got)
	}
	// Equal type names in distinct slices still become a TNRef.
	two := &Object{Kind: List, Items: []Value{&Object{TypeNames: []string{"T"}}, &Object{TypeNames: []string{"T"}}}}
	if got := encodeOK(t, two); got != `<Obj RefId="0"><LST><Obj RefId="1"><TN RefId="0"><T>T</T></TN></Obj><Obj RefId="2"><TNRef RefId="0" /></Obj></LST></Obj>` {
		t.Errorf("Encode = %s", got)
	}
}

func TestObjectWrappingObject(t *testing.T) {
	in := `<Obj RefId="0"><TN RefId="0"><T>Leaf</T></TN><ToString>l</ToString><Obj RefId="1"><TNRef RefId="0" /><Props><S N="V">1</S></Props></Obj><MS><Ref N="Self" RefId="1" /></MS></Obj>`
	o := decodeOK(t, in).(*Object)
	inner, ok := o.Content.(*Object)
	if !ok || o.Members[0].Value != Value(inner) {
		t.Fatalf("content %#v", o.Content)
	}
	if got := encodeOK(t, o); got != in {
		t.Errorf("Encode = %s", got)
	}
}

func TestUnknownKeptRaw(t *testing.T) {
	in := `<Obj RefId="0"><MS><Foo N="f" A="1"><x>t&amp;</x><y /></Foo><S N="s">a</S></MS><Bar /><LST><Baz>1</Baz></LST></Obj>`
	v, warns, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Object{
		Kind:    List,
		Items:   []Value{Unknown{`<Baz>1</Baz>`}},
		Members: []Property{{"f", Unknown{`<Foo N="f" A="1"><x>t&amp;</x><y /></Foo>`}}, {"s", String("a")}},
		Extra:   []Unknown{{`<Bar />`}},
	}
	if d := cmp.Diff(Value(want), v, cmpOpts); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if len(warns) != 3 {
		t.Errorf("warnings %v, want 3", warns)
	}
	assertRoundTrip(t, v)
	if _, err := Encode(Unknown{`<S>x</S>`}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Encode of a known element as Unknown: %v", err)
	}
	if _, err := Encode(&Object{Extra: []Unknown{{`<MS />`}}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Encode of MS as Extra: %v", err)
	}
	if got := encodeOK(t, Unknown{`<MS />`}); got != `<MS />` {
		t.Errorf("Encode of MS as a value = %s", got)
	}
	if _, err := Encode(Unknown{`<A/><B/>`}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Encode of two elements as Unknown: %v", err)
	}
}

func TestWarnings(t *testing.T) {
	_, warns, err := Decode([]byte(`<Obj RefId="0" xmlns="urn:x" N="top"><LST><S N="item">a</S></LST></Obj>`))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, w := range warns {
		msgs = append(msgs, w.String())
	}
	want := []string{
		`offset 0: <Obj>: N="top" on a top-level element is not kept`,
		`offset 0: <Obj>: attribute xmlns="urn:x" is not kept`,
		`offset 42: <S>: N="item" on a collection item is not kept`,
	}
	if d := cmp.Diff(want, msgs); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestPreamble(t *testing.T) {
	v := decodeOK(t, "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c --><S>a<!-- x -->b</S>\n")
	if v != String("ab") {
		t.Errorf("got %#v", v)
	}
}
