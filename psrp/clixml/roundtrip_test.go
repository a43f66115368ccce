package clixml

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// gen makes random Values; objects may be reused (Refs, cycles included).
type gen struct {
	r    *rand.Rand
	objs []*Object
}

var genRunes = []rune("aZ09 _xX<>&\"'\t\n\r\x00\x1f\x7f\u0085\u00e9\u3053\ufffd\ufffe\uffff\U0001F600\U00010437")

func (g *gen) str() string {
	n := g.r.IntN(12)
	var b []rune
	for range n {
		if g.r.IntN(4) == 0 {
			b = append(b, rune(0x20+g.r.IntN(0x10FFFF-0x20)))
			if r := b[len(b)-1]; r >= 0xD800 && r < 0xE000 {
				b[len(b)-1] = 'S'
			}
			continue
		}
		b = append(b, genRunes[g.r.IntN(len(genRunes))])
	}
	return string(b)
}

func (g *gen) digits(n int) string {
	b := make([]byte, 1+g.r.IntN(n))
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func (g *gen) dateTime() DateTime {
	sec := g.r.Int64N(int64(9998*365.2425*86400)) - 62135596800 + 86400
	t := time.Unix(sec, int64(g.r.IntN(ticksPerSecond))*100).UTC()
	d := DateTime{Time: t, Kind: DateTimeKind(g.r.IntN(3))}
	if d.Kind == Local {
		d.Time = t.In(time.FixedZone("", (g.r.IntN(2*14*60+1)-14*60)*60))
	}
	return d
}

func (g *gen) primitive() Value {
	r := g.r
	switch r.IntN(26) {
	case 0:
		return String(g.str())
	case 1:
		return Char(r.Uint32())
	case 2:
		return Bool(r.IntN(2) == 0)
	case 3:
		return g.dateTime()
	case 4:
		return TimeSpan{int64(r.Uint64())}
	case 5:
		return Byte(r.Uint32())
	case 6:
		return SByte(r.Uint32())
	case 7:
		return Int16(r.Uint32())
	case 8:
		return UInt16(r.Uint32())
	case 9:
		return Int32(r.Uint32())
	case 10:
		return UInt32(r.Uint32())
	case 11:
		return Int64(r.Uint64())
	case 12:
		return UInt64(r.Uint64())
	case 13:
		return Single(math.Float32frombits(r.Uint32()))
	case 14:
		return Double(math.Float64frombits(r.Uint64()))
	case 15:
		return Decimal([]string{"", "-", "+"}[r.IntN(3)] + g.digits(29) + []string{"", "." + g.digits(10)}[r.IntN(2)])
	case 16:
		b := make(Bytes, r.IntN(20))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	case 17:
		var u GUID
		for i := range u {
			u[i] = byte(r.Uint32())
		}
		return u
	case 18:
		return URI(g.str())
	case 19:
		return Nil{}
	case 20:
		v := Version{int32(r.Uint32() >> 1), int32(r.Uint32() >> 1), -1, -1}
		if r.IntN(2) == 0 {
			v.Build = int32(r.IntN(100))
			if r.IntN(2) == 0 {
				v.Revision = int32(r.IntN(100))
			}
		}
		return v
	case 21:
		return XMLDocument(g.str())
	case 22:
		return ScriptBlock(g.str())
	case 23:
		return SecureString(g.str())
	case 24:
		pr := ProgressRecord{Activity: g.str(), ActivityID: int32(r.Uint32()), ParentActivityID: -1, PercentComplete: int32(r.IntN(101)),
			RecordType: "Processing", SecondsRemaining: int32(r.Uint32()), StatusDescription: g.str()}
		if r.IntN(2) == 0 {
			s := g.str()
			pr.CurrentOperation = &s
		}
		return pr
	}
	return String("")
}

var genTypes = [][]string{{"System.Object"}, {"A.B", "System.Object"}, {"E", "System.Enum", "System.ValueType", "System.Object"}, {"x_x\n"}}

func (g *gen) props(depth int) []Property {
	var ps []Property
	for range g.r.IntN(4) {
		ps = append(ps, Property{g.str(), g.value(depth + 2)})
	}
	return ps
}

func (g *gen) object(depth int) *Object {
	r := g.r
	if len(g.objs) > 0 && r.IntN(6) == 0 {
		return g.objs[r.IntN(len(g.objs))]
	}
	o := &Object{}
	g.objs = append(g.objs, o)
	if r.IntN(3) > 0 {
		o.TypeNames = append([]string(nil), genTypes[r.IntN(len(genTypes))]...)
	}
	if r.IntN(2) == 0 {
		s := g.str()
		o.ToString = &s
	}
	if r.IntN(3) == 0 {
		o.Content = g.value(depth + 1)
	}
	if r.IntN(2) == 0 {
		o.Kind = CollectionKind(1 + r.IntN(5))
		for range r.IntN(4) {
			if o.Kind == Dictionary {
				o.Entries = append(o.Entries, Entry{g.value(depth + 3), g.value(depth + 3)})
			} else if r.IntN(10) == 0 {
				o.Items = append(o.Items, Unknown{`<Foo a="1"><b>x&amp;</b><c /></Foo>`})
			} else {
				o.Items = append(o.Items, g.value(depth+2))
			}
		}
	}
	o.Props, o.Members = g.props(depth), g.props(depth)
	if r.IntN(8) == 0 {
		o.Extra = []Unknown{{`<Bar/>`}}
	}
	return o
}

func (g *gen) value(depth int) Value {
	if depth < 12 && g.r.IntN(3) == 0 {
		return g.object(depth)
	}
	return g.primitive()
}

func TestRoundTripRandom(t *testing.T) {
	g := &gen{r: rand.New(rand.NewPCG(1, 2))}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	var size, refs, objs int
	for i := range n {
		g.objs = nil
		v := g.value(1)
		if i%2 == 0 {
			v = g.object(1)
		}
		enc, err := Encode(v)
		if err != nil {
			t.Fatalf("value %d: encode: %v", i, err)
		}
		assertRoundTrip(t, v)
		size, refs, objs = size+len(enc), refs+bytes.Count(enc, []byte("<Ref ")), objs+bytes.Count(enc, []byte("<Obj "))
		back, _, _ := Decode(enc)
		enc2, err := Encode(back)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("value %d: re-encoding differs: %v\n%s\n%s", i, err, enc, enc2)
		}
	}
	t.Logf("%d values, %d bytes, %d objects, %d refs", n, size, objs, refs)
}
