package clixml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"testing"
	"time"
)

// processObject builds a Get-Process-like PIPELINE_OUTPUT object: a TN,
// ToString and a dozen adapted properties of several types.
func processObject(i int) *Object {
	name := fmt.Sprintf("svchost_%d", i)
	ts := "System.Diagnostics.Process (" + name + ")"
	return &Object{
		TypeNames: []string{"System.Diagnostics.Process", "System.ComponentModel.Component", "System.MarshalByRefObject", "System.Object"},
		ToString:  &ts,
		Props: []Property{
			{"Name", String(name)},
			{"Id", Int32(1000 + i)},
			{"PriorityClass", NewEnum("System.Diagnostics.ProcessPriorityClass", "Normal", 32)},
			{"HandleCount", Int32(512 + i%100)},
			{"WorkingSet64", Int64(12_345_678 + int64(i)*4096)},
			{"PagedMemorySize64", Int64(2_345_678)},
			{"CPU", Double(12.34375 + float64(i))},
			{"StartTime", DateTime{time.Date(2018, 9, 24, 17, 23, 35, 76611700, time.FixedZone("", 36000)), Local}},
			{"TotalProcessorTime", TimeSpan{90269226 + int64(i)}},
			{"Path", String(`C:\Windows\System32\svchost.exe`)},
			{"Company", String("Microsoft Corporation")},
			{"Responding", Bool(true)},
			{"MainWindowTitle", String("")},
		},
		Members: []Property{{"PSComputerName", String("server2019")}, {"RunspaceId", GUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}},
	}
}

// outputStream returns about 1 MB of PIPELINE_OUTPUT bodies as Windows
// sends them (BOM first): process objects and Out-String lines.
func outputStream(b *testing.B) [][]byte {
	var bodies [][]byte
	for size, i := 0, 0; size < 1<<20; i++ {
		var v Value = processObject(i)
		if i%3 == 2 {
			v = String(fmt.Sprintf("svchost_%d      1000   12.34 C:\\Windows\\System32_x000A_ <&>", i))
		}
		body, err := AppendEncode([]byte("\xEF\xBB\xBF"), v)
		if err != nil {
			b.Fatal(err)
		}
		bodies, size = append(bodies, body), size+len(body)
	}
	return bodies
}

func streamSize(bodies [][]byte) (n int64) {
	for _, b := range bodies {
		n += int64(len(b))
	}
	return n
}

func BenchmarkDecodeOutputStream(b *testing.B) {
	bodies := outputStream(b)
	b.SetBytes(streamSize(bodies))
	b.ReportAllocs()
	for b.Loop() {
		for _, body := range bodies {
			if _, _, err := Decode(body); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(bodies)), "bodies/op")
}

func BenchmarkEncodeOutputStream(b *testing.B) {
	bodies := outputStream(b)
	values := make([]Value, len(bodies))
	for i, body := range bodies {
		values[i], _, _ = Decode(body)
	}
	b.SetBytes(streamSize(bodies))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		for _, v := range values {
			var err error
			if buf, err = AppendEncode(buf[:0], v); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkDecodeFixtures(b *testing.B) {
	bodies, err := readFixtures()
	if err != nil {
		b.Skip(err)
	}
	var n int64
	for _, body := range bodies {
		n += int64(len(body.data))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, body := range bodies {
			if len(body.data) > 3 {
				if _, _, err := Decode(body.data); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkEncodingXMLRawToken only tokenizes the same stream with
// encoding/xml's RawToken, building no values: the floor of a decoder
// built on encoding/xml, for comparison with BenchmarkDecodeOutputStream.
func BenchmarkEncodingXMLRawToken(b *testing.B) {
	bodies := outputStream(b)
	b.SetBytes(streamSize(bodies))
	b.ReportAllocs()
	for b.Loop() {
		for _, body := range bodies {
			d := xml.NewDecoder(bytes.NewReader(body[3:]))
			for {
				if _, err := d.RawToken(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
