package winrs

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBlockLineRoundTrip(t *testing.T) {
	block := "$a = @\"\nline ü\n\"@\nif ($true)\n{\n  'x'\n}"
	line := blockLine(block)
	if strings.ContainsAny(line, "\r\n") {
		t.Fatalf("block line %q is not one line", line)
	}
	enc := strings.TrimSuffix(strings.TrimPrefix(line, "iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('"), "')))")
	got, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || string(got) != block {
		t.Fatalf("decoded %q (%v), want %q", got, err, block)
	}
}

func TestMarkerLine(t *testing.T) {
	s := sentinel{prefix: "<<PSGATE:ab:"}
	want := "Write-Output \"<<PSGATE:ab:7:$?:$PWD>>\"\r\n"
	if got := s.markerLine(7); got != want {
		t.Fatalf("markerLine = %q, want %q", got, want)
	}
	if got := s.blockWithMarker(" \n", 2); got != s.markerLine(2) {
		t.Fatalf("empty block = %q", got)
	}
	if got := s.blockWithMarker("x", 3); got != blockLine("x")+"; "+s.markerLine(3) || strings.Count(got, "\n") != 1 {
		t.Fatalf("block with marker = %q", got)
	}
	if newSentinel().prefix == newSentinel().prefix {
		t.Fatal("two sentinels share a nonce")
	}
}

func TestStdoutScanner(t *testing.T) {
	s := sentinel{prefix: "<<PSGATE:ab:"}
	tests := []struct {
		name   string
		chunks []string
		want   []scanItem
	}{
		{"plain", []string{"hello\n"}, []scanItem{{text: "hello\n"}}},
		{"marker", []string{"out\n<<PSGATE:ab:3:True:C:\\Users\\a>>\r\n"},
			[]scanItem{{text: "out\n"}, {marker: &marker{3, true, `C:\Users\a`}}}},
		{"marker split everywhere", []string{"<", "<PSG", "ATE:ab:1", ":False:C:", "\\>", ">\n"},
			[]scanItem{{marker: &marker{1, false, `C:\`}}}},
		{"prompt without newline shown", []string{"Name: "}, []scanItem{{text: "Name: "}}},
		{"held prefix released", []string{"a <<PS", "x\n"}, []scanItem{{text: "a "}, {text: "<<PSx\n"}}},
		{"marker after partial line", []string{"no newline<<PSGATE:ab:2:True:D:\\>>\n"},
			[]scanItem{{text: "no newline"}, {marker: &marker{2, true, `D:\`}}}},
		{"other nonce is text", []string{"<<PSGATE:zz:2:True:D:\\>>\n"}, []scanItem{{text: "<<PSGATE:zz:2:True:D:\\>>\n"}}},
		{"malformed marker is text", []string{"<<PSGATE:ab:x:True>>\n"}, []scanItem{{text: "<<PSGATE:ab:x:True>>\n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := stdoutScanner{s: s}
			var got []scanItem
			for _, c := range tt.chunks {
				got = append(got, sc.feed(c)...)
			}
			got = append(got, sc.flush()...)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(scanItem{}, marker{})); diff != "" {
				t.Fatalf("items (-want +got):\n%s", diff)
			}
		})
	}
}
