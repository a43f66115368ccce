package winrs

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Stream names carried by Output events.
const (
	StreamStdout  = "stdout"
	StreamStderr  = "stderr"
	StreamWarning = "warning"
)

const clixmlHeader = "#< CLIXML"

// maxCLIXML bounds how much stderr is held while waiting for </Objs>; a
// longer document is shown raw rather than buffered without limit.
const maxCLIXML = 4 << 20

// piece is a run of text on one stream.
type piece struct {
	stream, text string
}

// stderrDecoder turns PowerShell's stderr (plain text, or "#< CLIXML"
// followed by <Objs> documents) into readable text pieces. It is streaming:
// feed decoded text as it arrives, call flush at the end.
type stderrDecoder struct {
	buf        string
	seenHeader bool
}

func (d *stderrDecoder) feed(s string) []piece {
	d.buf += s
	return d.drain(false)
}

func (d *stderrDecoder) flush() []piece {
	return d.drain(true)
}

func (d *stderrDecoder) drain(final bool) []piece {
	var out []piece
	for d.buf != "" {
		if strings.HasPrefix(d.buf, clixmlHeader) {
			d.seenHeader = true
			d.buf = strings.TrimLeft(d.buf[len(clixmlHeader):], "\r\n")
			continue
		}
		if d.seenHeader && strings.HasPrefix(d.buf, "<Objs") {
			end := strings.Index(d.buf, "</Objs>")
			if end < 0 {
				if final || len(d.buf) > maxCLIXML {
					out = append(out, piece{StreamStderr, d.buf})
					d.buf = ""
				}
				break
			}
			end += len("</Objs>")
			out = append(out, decodeCLIXML(d.buf[:end])...)
			d.buf = strings.TrimLeft(d.buf[end:], "\r\n")
			continue
		}
		// Plain text up to the next CLIXML document.
		next := indexDoc(d.buf, d.seenHeader)
		if next > 0 {
			out = append(out, piece{StreamStderr, d.buf[:next]})
			d.buf = d.buf[next:]
			continue
		}
		keep := 0
		if !final {
			keep = partialSuffix(d.buf, clixmlHeader)
			if d.seenHeader {
				keep = max(keep, partialSuffix(d.buf, "<Objs"))
			}
		}
		if n := len(d.buf) - keep; n > 0 {
			out = append(out, piece{StreamStderr, d.buf[:n]})
		}
		d.buf = d.buf[len(d.buf)-keep:]
		break
	}
	return mergePieces(out)
}

func indexDoc(s string, seenHeader bool) int {
	i := strings.Index(s, clixmlHeader)
	if seenHeader {
		if j := strings.Index(s, "<Objs"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
	}
	return i
}

// partialSuffix is the length of the longest suffix of s that is a proper
// prefix of marker.
func partialSuffix(s, marker string) int {
	for n := min(len(marker)-1, len(s)); n > 0; n-- {
		if strings.HasSuffix(s, marker[:n]) {
			return n
		}
	}
	return 0
}

// decodeCLIXML extracts the <S S="..."> strings of one <Objs> document. A
// document that does not parse is returned raw on stderr.
func decodeCLIXML(doc string) []piece {
	dec := xml.NewDecoder(strings.NewReader(doc))
	var out []piece
	var cur *piece
	depthObj := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return mergePieces(out)
		}
		if err != nil {
			return []piece{{StreamStderr, doc}}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "Obj":
				depthObj++
			case t.Name.Local == "S" && depthObj == 0:
				cur = &piece{stream: StreamStderr}
				kind := ""
				for _, a := range t.Attr {
					if a.Name.Local == "S" {
						kind = strings.ToLower(a.Value)
					}
				}
				cur.stream, cur.text = streamFor(kind)
			}
		case xml.EndElement:
			switch {
			case t.Name.Local == "Obj":
				depthObj--
			case t.Name.Local == "S" && cur != nil:
				out = append(out, *cur)
				cur = nil
			}
		case xml.CharData:
			if cur != nil {
				cur.text += unescapeCLIXML(string(t))
			}
		}
	}
}

// streamFor maps a CLIXML stream name to an Output stream and a prefix, as
// the PowerShell console shows them.
func streamFor(kind string) (stream, prefix string) {
	switch kind {
	case "warning":
		return StreamWarning, "WARNING: "
	case "verbose":
		return StreamWarning, "VERBOSE: "
	case "debug":
		return StreamWarning, "DEBUG: "
	case "information", "output":
		return StreamStdout, ""
	}
	return StreamStderr, ""
}

// unescapeCLIXML decodes the _xHHHH_ escapes of PowerShell's serializer
// (UTF-16 code units; surrogate pairs are joined).
func unescapeCLIXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	var units []uint16
	flushUnits := func() {
		if len(units) > 0 {
			b.WriteString(string(utf16.Decode(units)))
			units = units[:0]
		}
	}
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				units = append(units, uint16(v))
				i += 7
				continue
			}
		}
		flushUnits()
		b.WriteByte(s[i])
		i++
	}
	flushUnits()
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

func mergePieces(ps []piece) []piece {
	out := ps[:0]
	for _, p := range ps {
		if p.text == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].stream == p.stream && p.stream == StreamStderr {
			out[n-1].text += p.text
			continue
		}
		out = append(out, p)
	}
	return out
}
