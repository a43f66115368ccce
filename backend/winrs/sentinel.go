package winrs

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// The sentinel protocol (reference/winrm.md §4): every user block goes to
// powershell.exe -Command - as ONE line that decodes and runs it, and the
// marker that tells completion, $? and $PWD follows it on the SAME line:
//
//	iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('…'))); Write-Output "<<PSGATE:nonce:seq:$?:$PWD>>"
//
// Not on a line of its own: a block that reads stdin (Read-Host) would read
// the marker line as its answer. A marker is skipped when the block is
// stopped (ctrl_c) or throws a script-terminating error; Interrupt then
// sends a marker line of its own, so Ctrl+C always brings a prompt back.
// The nonce is random per console so that output cannot forge a marker.

type sentinel struct {
	prefix string // "<<PSGATE:" + nonce + ":"
}

func newSentinel() sentinel {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return sentinel{prefix: "<<PSGATE:" + hex.EncodeToString(b[:]) + ":"}
}

// blockLine encodes a user block (any number of lines) as one statement.
func blockLine(block string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(block))
	return "iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" + enc + "')))"
}

// blockWithMarker is the input line for block seq.
func (s sentinel) blockWithMarker(block string, seq uint64) string {
	if strings.TrimSpace(block) == "" {
		return s.markerLine(seq)
	}
	return blockLine(block) + "; " + s.markerLine(seq)
}

// markerLine is the line that reports completion of block seq.
func (s sentinel) markerLine(seq uint64) string {
	return `Write-Output "` + s.prefix + strconv.FormatUint(seq, 10) + `:$?:$PWD>>"` + "\r\n"
}

// marker is a parsed marker.
type marker struct {
	seq      uint64
	success  bool
	location string
}

// parse reads "seq:True:C:\path>>" (the text after the prefix, up to the end
// of the line).
func (s sentinel) parse(rest string) (marker, bool) {
	rest = strings.TrimRight(rest, "\r\n")
	body, ok := strings.CutSuffix(rest, ">>")
	if !ok {
		return marker{}, false
	}
	seqStr, body, ok := strings.Cut(body, ":")
	if !ok {
		return marker{}, false
	}
	okStr, loc, ok := strings.Cut(body, ":")
	if !ok {
		return marker{}, false
	}
	seq, err := strconv.ParseUint(seqStr, 10, 64)
	if err != nil {
		return marker{}, false
	}
	return marker{seq: seq, success: strings.EqualFold(okStr, "True"), location: loc}, true
}

// stdoutScanner splits stdout text into user output and markers. Text that
// might be the beginning of a marker is held back until the line is known;
// anything else is passed on at once (so a Read-Host prompt without a
// newline shows up).
type stdoutScanner struct {
	s   sentinel
	buf string
}

// scanItem is either text or a marker.
type scanItem struct {
	text   string
	marker *marker
}

func (sc *stdoutScanner) feed(text string) []scanItem {
	sc.buf += text
	var out []scanItem
	for sc.buf != "" {
		i := strings.Index(sc.buf, sc.s.prefix)
		if i < 0 {
			keep := partialSuffix(sc.buf, sc.s.prefix)
			if n := len(sc.buf) - keep; n > 0 {
				out = append(out, scanItem{text: sc.buf[:n]})
			}
			sc.buf = sc.buf[len(sc.buf)-keep:]
			break
		}
		if i > 0 {
			out = append(out, scanItem{text: sc.buf[:i]})
			sc.buf = sc.buf[i:]
		}
		nl := strings.IndexByte(sc.buf, '\n')
		if nl < 0 {
			if len(sc.buf) > 64<<10 { // not a marker after all
				out = append(out, scanItem{text: sc.buf})
				sc.buf = ""
			}
			break
		}
		line := sc.buf[:nl+1]
		sc.buf = sc.buf[nl+1:]
		if m, ok := sc.s.parse(line[len(sc.s.prefix):]); ok {
			out = append(out, scanItem{marker: &m})
		} else {
			out = append(out, scanItem{text: line})
		}
	}
	return out
}

// flush returns held-back text at the end of the stream.
func (sc *stdoutScanner) flush() []scanItem {
	if sc.buf == "" {
		return nil
	}
	t := sc.buf
	sc.buf = ""
	return []scanItem{{text: t}}
}
