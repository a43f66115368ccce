package session

import "unicode/utf8"

// Buffer accounting: each entry costs its text plus entryOverhead, so that a
// flood of tiny chunks cannot grow memory beyond the bound either. Output is
// coalesced per stream into entries of at most chunkBytes.
const (
	entryOverhead = 48
	chunkBytes    = 4096
)

// entry is one buffered output chunk or prompt.
type entry struct {
	prompt  bool // a prompt (text is the prompt)
	success bool
	stream  string
	text    []byte
}

// outputBuffer keeps a disconnected session's output, bounded by max bytes;
// overflow drops the oldest entries and counts their text bytes.
type outputBuffer struct {
	max     int
	entries []entry
	head    int
	size    int
	dropped int64
}

// addOutput appends stream text, coalescing with the last entry.
func (b *outputBuffer) addOutput(stream, text string) {
	for text != "" {
		last := b.last()
		if last == nil || last.prompt || last.stream != stream || len(last.text) >= chunkBytes {
			b.entries = append(b.entries, entry{stream: stream})
			b.size += entryOverhead
			last = &b.entries[len(b.entries)-1]
		}
		n := min(chunkBytes-len(last.text), len(text))
		for n < len(text) && n > 0 && !utf8.RuneStart(text[n]) {
			n--
		}
		if n == 0 { // the rest of a rune does not fit: next entry
			b.entries = append(b.entries, entry{stream: stream})
			b.size += entryOverhead
			continue
		}
		last.text = append(last.text, text[:n]...)
		b.size += n
		text = text[n:]
	}
	b.trim()
}

// addPrompt appends a prompt.
func (b *outputBuffer) addPrompt(prompt string, success bool) {
	b.entries = append(b.entries, entry{prompt: true, success: success, text: []byte(prompt)})
	b.size += entryOverhead + len(prompt)
	b.trim()
}

func (b *outputBuffer) last() *entry {
	if len(b.entries) == b.head {
		return nil
	}
	return &b.entries[len(b.entries)-1]
}

// trim drops the oldest entries until the buffer fits (keeping at least the
// newest one), then compacts the slice.
func (b *outputBuffer) trim() {
	for b.size > b.max && len(b.entries)-b.head > 1 {
		e := &b.entries[b.head]
		b.dropped += int64(len(e.text))
		b.size -= entryOverhead + len(e.text)
		*e = entry{}
		b.head++
	}
	if last := b.last(); last != nil && b.size > b.max {
		// one entry larger than the whole buffer: keep its tail
		cut := len(last.text) - max(b.max-entryOverhead, 0)
		for cut < len(last.text) && !utf8.RuneStart(last.text[cut]) {
			cut++
		}
		b.dropped += int64(cut)
		b.size -= cut
		last.text = append([]byte(nil), last.text[cut:]...)
	}
	if b.head > 32 && b.head*2 > len(b.entries) {
		n := copy(b.entries, b.entries[b.head:])
		clear(b.entries[n:])
		b.entries = b.entries[:n]
		b.head = 0
	}
}

// drain returns the replay updates (a dropped marker first when output was
// lost) and empties the buffer, releasing its memory.
func (b *outputBuffer) drain() []Update {
	var out []Update
	if b.dropped > 0 {
		out = append(out, Update{Kind: UpdateDropped, Bytes: b.dropped})
	}
	for _, e := range b.entries[b.head:] {
		if e.prompt {
			out = append(out, Update{Kind: UpdatePrompt, Prompt: string(e.text), Success: e.success})
			continue
		}
		out = append(out, Update{Kind: UpdateOutput, Stream: e.stream, Data: string(e.text), Replay: true})
	}
	*b = outputBuffer{max: b.max}
	return out
}
