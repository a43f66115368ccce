package winrs

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUTF8StreamEverySplit(t *testing.T) {
	in := []byte("aé€😀こんにちは\xffz")
	want := "aé€😀こんにちは\uFFFDz"
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j++ {
			var d utf8Stream
			got := d.decode(in[:i]) + d.decode(in[i:j]) + d.decode(in[j:]) + d.flush()
			if got != want {
				t.Fatalf("split %d/%d: got %q, want %q", i, j, got, want)
			}
		}
	}
}

func TestUTF8StreamTruncatedAtEnd(t *testing.T) {
	var d utf8Stream
	got := d.decode([]byte("ok\xe2\x82"))
	if got != "ok" {
		t.Fatalf("decode = %q, want %q (incomplete rune held back)", got, "ok")
	}
	if f := d.flush(); f != "\uFFFD\uFFFD" {
		t.Fatalf("flush = %q, want U+FFFD", f)
	}
}

func TestCRLF(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string
	}{
		{"lf", []string{"a\nb\n"}, "a\r\nb\r\n"},
		{"crlf kept", []string{"a\r\nb\r\n"}, "a\r\nb\r\n"},
		{"crlf split", []string{"a\r", "\nb"}, "a\r\nb"},
		{"bare cr kept", []string{"50%\r60%\r"}, "50%\r60%\r"},
		{"mixed", []string{"x\r\ny\nz\r", "\n", "\n"}, "x\r\ny\r\nz\r\n\r\n"},
		{"empty chunks", []string{"", "a", "", "\n"}, "a\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n crlf
			var b strings.Builder
			for _, c := range tt.chunks {
				b.WriteString(n.normalise(c))
			}
			if b.String() != tt.want {
				t.Fatalf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

// FuzzOutputDecoder feeds arbitrary stdout and stderr bytes, cut at
// arbitrary points, through the whole output path: every event must be
// valid UTF-8, every LF preceded by CR, and the output must not depend on
// where the chunks were cut.
func FuzzOutputDecoder(f *testing.F) {
	s := sentinel{prefix: "<<PSGATE:00:"}
	f.Add([]byte("hello\n<<PSGATE:00:1:True:C:\\>>\r\n"), []byte("#< CLIXML\r\n<Objs><S S=\"Error\">x_x000D__x000A_</S></Objs>"), uint8(3))
	f.Add([]byte("\xe2\x82\xac\n"), []byte("plain\n"), uint8(1))
	f.Add([]byte("<<PSGATE:00:"), []byte("<Objs"), uint8(7))
	f.Fuzz(func(t *testing.T, out, errb []byte, cut uint8) {
		whole := collect(t, s, [][]byte{out}, [][]byte{errb})
		c := int(cut)
		split := collect(t, s, splitAt(out, c), splitAt(errb, c))
		if whole != split {
			t.Fatalf("output depends on chunking:\n whole %q\n split %q", whole, split)
		}
	})
}

func splitAt(b []byte, n int) [][]byte {
	if n <= 0 || n >= len(b) {
		return [][]byte{b}
	}
	return [][]byte{b[:n], b[n:]}
}

func collect(t *testing.T, s sentinel, outs, errs [][]byte) string {
	t.Helper()
	o := newOutputState(s)
	var evs []Event
	for _, b := range outs {
		evs = append(evs, o.stdout(b)...)
	}
	for _, b := range errs {
		evs = append(evs, o.stderr(b)...)
	}
	evs = append(evs, o.flush()...)
	var merged []Event
	for _, ev := range evs {
		if !utf8.ValidString(ev.Text) || !utf8.ValidString(ev.Location) {
			t.Fatalf("invalid UTF-8 in %+v", ev)
		}
		if n := len(merged); n > 0 && ev.Kind == Output && merged[n-1].Kind == Output && merged[n-1].Stream == ev.Stream {
			merged[n-1].Text += ev.Text
			continue
		}
		merged = append(merged, ev)
	}
	var b strings.Builder
	for _, ev := range merged {
		if strings.Contains(strings.ReplaceAll(ev.Text, "\r\n", ""), "\n") {
			t.Fatalf("bare LF in %q", ev.Text)
		}
		fmt.Fprintf(&b, "%s|%s|%s|%v|%q\n", ev.Kind, ev.Stream, ev.Location, ev.Success, ev.Text)
	}
	return b.String()
}
