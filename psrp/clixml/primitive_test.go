package clixml

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestPrimitives(t *testing.T) {
	plus10 := time.FixedZone("", 10*3600)
	tests := []struct {
		in   string
		want Value
		out  string // re-encoded form when not in
	}{
		{in: `<S>abc</S>`, want: String("abc")},
		{in: `<S></S>`, want: String("")},
		{in: `<S />`, want: String(""), out: `<S></S>`},
		{in: `<S>a_x000A_b_x000D__x0009_</S>`, want: String("a\nb\r\t")},
		{in: `<S>_x005F_x000A_</S>`, want: String("_x000A_")},
		{in: `<S>_x005F_X</S>`, want: String("_X")},
		{in: `<S>a_b _y</S>`, want: String("a_b _y")},
		{in: `<S>_xD83D__xDE00_</S>`, want: String("😀")},
		{in: `<S>_xD801__xDC37_</S>`, want: String("\U00010437")},
		{in: `<S>_xD83D_</S>`, want: String("\uFFFD"), out: "<S>\uFFFD</S>"},
		{in: `<S>_xDE00__xD83D_x</S>`, want: String("\uFFFD\uFFFDx"), out: "<S>\uFFFD\uFFFDx</S>"},
		{in: `<S>_x0041_</S>`, want: String("A"), out: `<S>A</S>`},
		{in: `<S>_X0041_</S>`, want: String("_X0041_"), out: `<S>_x005F_X0041_</S>`},
		{in: `<S>_x12</S>`, want: String("_x12"), out: `<S>_x005F_x12</S>`},
		{in: `<S>_x007F__x0085__xFFFE__x0000_</S>`, want: String("\u007f\u0085\ufffe\x00")},
		{in: `<S>&lt;a&gt; &amp; "q" 'a'</S>`, want: String(`<a> & "q" 'a'`)},
		{in: `<S>&#65;&#x42;&quot;&apos;</S>`, want: String(`AB"'`), out: `<S>AB"'</S>`},
		{in: "<S>a\r\nb\rc</S>", want: String("a\nb\nc"), out: `<S>a_x000A_b_x000A_c</S>`},
		{in: `<S><![CDATA[<x>]]></S>`, want: String("<x>"), out: `<S>&lt;x&gt;</S>`},
		{in: `<S>こんにちは</S>`, want: String("こんにちは")},
		{in: `<C>97</C>`, want: Char('a')},
		{in: `<C>65535</C>`, want: Char(0xFFFF)},
		{in: `<B>true</B>`, want: Bool(true)},
		{in: `<B>false</B>`, want: Bool(false)},
		{in: `<B>1</B>`, want: Bool(true), out: `<B>true</B>`},
		{in: `<By>255</By>`, want: Byte(255)},
		{in: `<SB>-128</SB>`, want: SByte(-128)},
		{in: `<I16>-32768</I16>`, want: Int16(math.MinInt16)},
		{in: `<U16>65535</U16>`, want: UInt16(math.MaxUint16)},
		{in: `<I32>-2147483648</I32>`, want: Int32(math.MinInt32)},
		{in: `<I32> 7 </I32>`, want: Int32(7), out: `<I32>7</I32>`},
		{in: `<U32>4294967295</U32>`, want: UInt32(math.MaxUint32)},
		{in: `<I64>-9223372036854775808</I64>`, want: Int64(math.MinInt64)},
		{in: `<U64>18446744073709551615</U64>`, want: UInt64(math.MaxUint64)},
		{in: `<Sg>1.5</Sg>`, want: Single(1.5)},
		{in: `<Sg>1E+07</Sg>`, want: Single(1e7)},
		{in: `<Sg>16777216</Sg>`, want: Single(16777216)},
		{in: `<Sg>3.4028235E+38</Sg>`, want: Single(math.MaxFloat32)},
		{in: `<Sg>NaN</Sg>`, want: Single(float32(math.NaN()))},
		{in: `<Db>0.1</Db>`, want: Double(0.1)},
		{in: `<Db>1E+15</Db>`, want: Double(1e15)},
		{in: `<Db>123456789012345</Db>`, want: Double(123456789012345)},
		{in: `<Db>1.2345678901234568E+20</Db>`, want: Double(1.2345678901234568e20)},
		{in: `<Db>0.0001</Db>`, want: Double(0.0001)},
		{in: `<Db>1E-05</Db>`, want: Double(0.00001)},
		{in: `<Db>1e-05</Db>`, want: Double(0.00001), out: `<Db>1E-05</Db>`},
		{in: `<Db>-1.5E-10</Db>`, want: Double(-1.5e-10)},
		{in: `<Db>1.7976931348623157E+308</Db>`, want: Double(math.MaxFloat64)},
		{in: `<Db>5E-324</Db>`, want: Double(5e-324)},
		{in: `<Db>NaN</Db>`, want: Double(math.NaN())},
		{in: `<Db>Infinity</Db>`, want: Double(math.Inf(1))},
		{in: `<Db>-Infinity</Db>`, want: Double(math.Inf(-1))},
		{in: `<Db>INF</Db>`, want: Double(math.Inf(1)), out: `<Db>Infinity</Db>`},
		{in: `<Db>-0</Db>`, want: Double(math.Copysign(0, -1))},
		{in: `<Db>0</Db>`, want: Double(0)},
		{in: `<D>-12.50</D>`, want: Decimal("-12.50")},
		{in: `<D>79228162514264337593543950335</D>`, want: Decimal("79228162514264337593543950335")},
		{in: `<BA>AQID</BA>`, want: Bytes{1, 2, 3}},
		{in: `<BA></BA>`, want: Bytes{}},
		{in: `<G>0f8fad5b-d9cb-469f-a165-70867728950e</G>`, want: GUID{0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1, 0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0e}},
		{in: `<G>0F8FAD5B-D9CB-469F-A165-70867728950E</G>`, want: GUID{0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1, 0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0e}, out: `<G>0f8fad5b-d9cb-469f-a165-70867728950e</G>`},
		{in: `<URI>http://localhost/a?b=c&amp;d</URI>`, want: URI("http://localhost/a?b=c&d")},
		{in: `<Nil />`, want: Nil{}},
		{in: `<Nil></Nil>`, want: Nil{}, out: `<Nil />`},
		{in: `<Version>2.3</Version>`, want: Version{2, 3, -1, -1}},
		{in: `<Version>1.1.0.1</Version>`, want: Version{1, 1, 0, 1}},
		{in: `<XD>&lt;a&gt;b&lt;/a&gt;</XD>`, want: XMLDocument("<a>b</a>")},
		{in: `<SBK>Get-Process_x000A_</SBK>`, want: ScriptBlock("Get-Process\n")},
		{in: `<SS>rTm4n3bxaFOIgdjhDDV5OA==</SS>`, want: SecureString{0xad, 0x39, 0xb8, 0x9f, 0x76, 0xf1, 0x68, 0x53, 0x88, 0x81, 0xd8, 0xe1, 0x0c, 0x35, 0x79, 0x38}},
		{in: `<DT>2018-09-24T17:23:35.0766117+10:00</DT>`, want: DateTime{time.Date(2018, 9, 24, 17, 23, 35, 76611700, plus10), Local}},
		{in: `<DT>2018-06-13T23:46:28.00516+00:00</DT>`, want: DateTime{time.Date(2018, 6, 13, 23, 46, 28, 5160000, time.UTC), Local}},
		{in: `<DT>2018-09-24T07:23:35.5Z</DT>`, want: DateTime{time.Date(2018, 9, 24, 7, 23, 35, 500000000, time.UTC), UTC}},
		{in: `<DT>2018-09-24T07:23:35</DT>`, want: DateTime{time.Date(2018, 9, 24, 7, 23, 35, 0, time.UTC), Unspecified}},
		{in: `<DT>0001-01-01T00:00:00</DT>`, want: DateTime{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), Unspecified}},
		{in: `<DT>9999-12-31T23:59:59.9999999-05:30</DT>`, want: DateTime{time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.FixedZone("", -(5*3600+1800))), Local}},
		{in: `<DT>2018-09-24T07:23:35.123456789Z</DT>`, want: DateTime{time.Date(2018, 9, 24, 7, 23, 35, 123456700, time.UTC), UTC}, out: `<DT>2018-09-24T07:23:35.1234567Z</DT>`},
		{in: `<DT>2018-09-24T07:23:35.1000000Z</DT>`, want: DateTime{time.Date(2018, 9, 24, 7, 23, 35, 100000000, time.UTC), UTC}, out: `<DT>2018-09-24T07:23:35.1Z</DT>`},
		{in: `<TS>PT9.0269226S</TS>`, want: TimeSpan{90269226}},
		{in: `<TS>P1DT2H3M4.5S</TS>`, want: TimeSpan{ticksPerDay + 2*ticksPerHour + 3*ticksPerMinute + 45*ticksPerSecond/10}},
		{in: `<TS>-PT1S</TS>`, want: TimeSpan{-ticksPerSecond}},
		{in: `<TS>PT0S</TS>`, want: TimeSpan{0}},
		{in: `<TS>P1D</TS>`, want: TimeSpan{ticksPerDay}},
		{in: `<TS>PT1H</TS>`, want: TimeSpan{ticksPerHour}},
		{in: `<TS>PT0.0000001S</TS>`, want: TimeSpan{1}},
		{in: `<TS>P10675199DT2H48M5.4775807S</TS>`, want: TimeSpan{math.MaxInt64}},
		{in: `<TS>-P10675199DT2H48M5.4775808S</TS>`, want: TimeSpan{math.MinInt64}},
		{in: `<TS>PT36H</TS>`, want: TimeSpan{36 * ticksPerHour}, out: `<TS>P1DT12H</TS>`},
		{in: `<TS>P1Y2M</TS>`, want: TimeSpan{425 * ticksPerDay}, out: `<TS>P425D</TS>`},
		{in: `<PR><AV>Act</AV><AI>0</AI><Nil /><PI>-1</PI><PC>50</PC><T>Processing</T><SR>-1</SR><SD>Half_x000A_</SD></PR>`,
			want: ProgressRecord{Activity: "Act", ParentActivityID: -1, PercentComplete: 50, RecordType: "Processing", SecondsRemaining: -1, StatusDescription: "Half\n"}},
		{in: `<PR><AV>A</AV><AI>3</AI><S>op</S><PI>1</PI><PC>-1</PC><T>Completed</T><SR>9</SR><SD>d</SD></PR>`,
			want: ProgressRecord{Activity: "A", ActivityID: 3, CurrentOperation: ptr("op"), ParentActivityID: 1, PercentComplete: -1, RecordType: "Completed", SecondsRemaining: 9, StatusDescription: "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, warns, err := Decode([]byte(tt.in))
			if err != nil || len(warns) > 0 {
				t.Fatalf("Decode: %v, warnings %v", err, warns)
			}
			if d := cmp.Diff(tt.want, got, cmpOpts); d != "" {
				t.Fatalf("Decode (-want +got):\n%s", d)
			}
			if dt, ok := got.(DateTime); ok {
				_, wo := tt.want.(DateTime).Time.Zone()
				if _, go_ := dt.Time.Zone(); wo != go_ {
					t.Errorf("zone offset %d, want %d", go_, wo)
				}
			}
			enc, err := Encode(got)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			want := tt.out
			if want == "" {
				want = tt.in
			}
			if string(enc) != want {
				t.Errorf("Encode = %s, want %s", enc, want)
			}
		})
	}
}

func TestEncodeFloatForms(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Double(math.Copysign(0, -1)), `<Db>-0</Db>`},
		{Double(math.Inf(-1)), `<Db>-Infinity</Db>`},
		{Double(100), `<Db>100</Db>`},
		{Double(1.5e300), `<Db>1.5E+300</Db>`},
		{Double(-0.000123), `<Db>-0.000123</Db>`},
		{Single(0.1), `<Sg>0.1</Sg>`},
		{Single(1234567), `<Sg>1234567</Sg>`},
		{Single(float32(math.Inf(1))), `<Sg>Infinity</Sg>`},
	}
	for _, tt := range tests {
		got, err := Encode(tt.v)
		if err != nil || string(got) != tt.want {
			t.Errorf("Encode(%v) = %s, %v; want %s", tt.v, got, err, tt.want)
		}
	}
}

func TestEscapeString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\tb\nc\r", "a_x0009_b_x000A_c_x000D_"},
		{"\x00\x1f\x7f\u0080\u009f\u00a0", "_x0000__x001F__x007F__x0080__x009F_\u00a0"},
		{"\ufffe\uffff\ufffd", "_xFFFE__xFFFF_\ufffd"},
		{"😀", "_xD83D__xDE00_"},
		{"_x _X _y x_", "_x005F_x _x005F_X _y x_"},
		{"_x000A_", "_x005F_x000A_"},
		{"<&>", "<&>"},
	}
	for _, tt := range tests {
		got, err := EscapeString(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("EscapeString(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if back := UnescapeString(got); back != tt.in {
			t.Errorf("UnescapeString(%q) = %q, want %q", got, back, tt.in)
		}
	}
	if _, err := EscapeString("a\xffb"); err == nil {
		t.Error("EscapeString of invalid UTF-8: no error")
	}
}
