package clixml

import (
	"bytes"
	"testing"
)

// FuzzDecode: decoding never panics; whatever decodes also encodes, and
// decoding that encoding gives the same value graph, whose encoding is the
// same bytes again.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`<S>a_x000A_b_xD83D__xDE00_</S>`,
		`<Obj RefId="0"><TN RefId="0"><T>E</T><T>System.Enum</T></TN><ToString>A</ToString><I32>1</I32></Obj>`,
		`<Obj RefId="0"><MS><Obj N="x" RefId="1"><LST><Ref RefId="0" /></LST></Obj><Ref N="y" RefId="1" /></MS></Obj>`,
		`<Obj RefId="0"><DCT><En><S N="Key">k</S><DT N="Value">2018-09-24T17:23:35.0766117+10:00</DT></En></DCT><Foo a="b"/></Obj>`,
		`<PR><AV>a</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Processing</T><SR>-1</SR><SD>s</SD></PR>`,
		`<TS>-P1DT2H3M4.5S</TS>`, `<Db>-1.5E-10</Db>`, `<Sg>NaN</Sg>`, `<D>-1.50</D>`, `<G>0f8fad5b-d9cb-469f-a165-70867728950e</G>`,
	} {
		f.Add([]byte(s))
	}
	bodies, _ := readFixtures() // seeds only; none without fixtures
	for _, b := range bodies {
		f.Add(b.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, _, err := Decode(data)
		if err != nil {
			return
		}
		enc, err := Encode(v)
		if err != nil {
			t.Fatalf("decoded but does not encode: %v", err)
		}
		back, _, err := Decode(enc)
		if err != nil {
			t.Fatalf("encoding does not decode: %v\n%s", err, enc)
		}
		if !graphEqual(v, back) {
			t.Fatalf("decode(encode(v)) != v\n%s", enc)
		}
		if enc2, err := Encode(back); err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable: %v\n%s\n%s", err, enc, enc2)
		}
	})
}
