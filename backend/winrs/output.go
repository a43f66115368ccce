package winrs

// outputState turns raw stdout and stderr chunks into events: streaming
// UTF-8, marker detection on stdout, CLIXML on stderr, CRLF for xterm.js.
type outputState struct {
	outUTF, errUTF utf8Stream
	outNL          crlf
	errNL          map[string]*crlf
	scan           stdoutScanner
	errDec         stderrDecoder
}

func newOutputState(s sentinel) outputState {
	return outputState{scan: stdoutScanner{s: s}, errNL: map[string]*crlf{}}
}

func (o *outputState) stdout(b []byte) []Event {
	return o.scanned(o.scan.feed(o.outUTF.decode(b)))
}

func (o *outputState) scanned(items []scanItem) []Event {
	var evs []Event
	for _, it := range items {
		if it.marker != nil {
			evs = append(evs, Event{Kind: Prompt, Success: it.marker.success, Location: it.marker.location,
				seq: it.marker.seq})
			continue
		}
		if t := o.outNL.normalise(it.text); t != "" {
			evs = append(evs, Event{Kind: Output, Stream: StreamStdout, Text: t})
		}
	}
	return evs
}

func (o *outputState) stderr(b []byte) []Event {
	return o.pieces(o.errDec.feed(o.errUTF.decode(b)))
}

func (o *outputState) pieces(ps []piece) []Event {
	var evs []Event
	for _, p := range ps {
		nl := o.errNL[p.stream]
		if nl == nil {
			nl = &crlf{}
			o.errNL[p.stream] = nl
		}
		if t := nl.normalise(p.text); t != "" {
			evs = append(evs, Event{Kind: Output, Stream: p.stream, Text: t})
		}
	}
	return evs
}

// flush returns what is held back at the end of the process.
func (o *outputState) flush() []Event {
	evs := o.scanned(o.scan.feed(o.outUTF.flush()))
	evs = append(evs, o.scanned(o.scan.flush())...)
	evs = append(evs, o.pieces(o.errDec.feed(o.errUTF.flush()))...)
	return append(evs, o.pieces(o.errDec.flush())...)
}
