package winrs

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// A real Windows PowerShell 5.1 Write-Error as it arrives on stderr.
const realError = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
	"<S S=\"Error\">Write-Error \"boom\" : boom_x000D__x000A_</S>" +
	"<S S=\"Error\">    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException_x000D__x000A_</S>" +
	"<S S=\"Error\">    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException_x000D__x000A_</S>" +
	"<S S=\"Error\"> _x000D__x000A_</S></Objs>"

func TestStderrDecoder(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []piece
	}{
		{"plain", []string{"native tool error\r\n"}, []piece{{StreamStderr, "native tool error\r\n"}}},
		{"clixml error", []string{realError}, []piece{{StreamStderr,
			"Write-Error \"boom\" : boom\r\n    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException\r\n" +
				"    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException\r\n \r\n"}}},
		{"split in header and body", []string{"#< CL", "IXML\r\n<Objs><S S=\"Er", "ror\">a_x000D_", "_x000A_</S></O", "bjs>"},
			[]piece{{StreamStderr, "a\r\n"}}},
		{"warning verbose debug", []string{"#< CLIXML\r\n<Objs><S S=\"warning\">w</S><S S=\"verbose\">v</S><S S=\"debug\">d</S></Objs>"},
			[]piece{{StreamWarning, "WARNING: w"}, {StreamWarning, "VERBOSE: v"}, {StreamWarning, "DEBUG: d"}}},
		{"progress object ignored", []string{"#< CLIXML\r\n<Objs><Obj S=\"progress\" RefId=\"0\"><TN><T>x</T></TN><MS><S N=\"x\">y</S></MS></Obj></Objs>"}, nil},
		{"second document without header", []string{"#< CLIXML\r\n<Objs><S S=\"Error\">1</S></Objs>", "<Objs><S S=\"Error\">2</S></Objs>"},
			[]piece{{StreamStderr, "1"}, {StreamStderr, "2"}}},
		{"surrogate pair and unicode", []string{"#< CLIXML\r\n<Objs><S S=\"Error\">_xD83D__xDE00_ é</S></Objs>"}, []piece{{StreamStderr, "😀 é"}}},
		{"broken xml shown raw", []string{"#< CLIXML\r\n<Objs><S S=\"Error\">x</Q></Objs>"}, []piece{{StreamStderr, "<Objs><S S=\"Error\">x</Q></Objs>"}}},
		{"unterminated shown at flush", []string{"#< CLIXML\r\n<Objs><S>"}, []piece{{StreamStderr, "<Objs><S>"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d stderrDecoder
			var got []piece
			for _, c := range tt.chunks {
				got = append(got, d.feed(c)...)
			}
			got = append(got, d.flush()...)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(piece{})); diff != "" {
				t.Fatalf("pieces (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCLIXMLGolden decodes the stderr recordings under testdata/clixml.
func TestCLIXMLGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/clixml/*.clixml")
	if len(files) == 0 {
		t.Fatal("no testdata/clixml/*.clixml")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var d stderrDecoder
			var b strings.Builder
			for _, p := range append(d.feed(string(in)), d.flush()...) {
				b.WriteString("[" + p.stream + "] " + p.text + "\n")
			}
			golden := strings.TrimSuffix(f, ".clixml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Fatalf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzCLIXML(f *testing.F) {
	f.Add(realError, 5)
	f.Add("#< CLIXML\r\n<Objs><S S=\"warning\">_xD83D_</S></Objs>", 12)
	f.Add("plain<Objs>", 2)
	f.Fuzz(func(t *testing.T, in string, cut int) {
		var d stderrDecoder
		var ps []piece
		if cut < 0 || cut > len(in) {
			cut = len(in)
		}
		for cut > 0 && cut < len(in) && !utf8.RuneStart(in[cut]) {
			cut-- // the decoder is fed whole runes (utf8Stream comes first)
		}
		ps = append(ps, d.feed(in[:cut])...)
		ps = append(ps, d.feed(in[cut:])...)
		ps = append(ps, d.flush()...)
		total := 0
		for _, p := range ps {
			if utf8.ValidString(in) && !utf8.ValidString(p.text) {
				t.Fatalf("invalid UTF-8 out of valid input: %q", p.text)
			}
			total += len(p.text)
		}
		if d.buf != "" {
			t.Fatalf("flush left %q behind", d.buf)
		}
		_ = total
	})
}
