package session

import "strings"

// The screen a session keeps for its next attach (Config.ScrollbackBytes):
// the output its clients were shown and each command as typed after its
// prompt, bounded like the disconnected buffer (oldest text dropped). A
// clear-screen sequence in the output empties it, so a restore never shows
// what the user cleared.

// clearSequences are the ANSI sequences after which nothing earlier is on
// the screen: erase display, erase scrollback, full reset.
var clearSequences = []string{"\x1b[2J", "\x1b[3J", "\x1bc"}

// lastClear returns the index of the last clear-screen sequence in text, or
// -1 when it has none.
func lastClear(text string) int {
	at := -1
	for _, seq := range clearSequences {
		at = max(at, strings.LastIndex(text, seq))
	}
	return at
}

// addText appends stream text to b; nothing when b keeps nothing (max <= 0).
func (b *outputBuffer) addText(stream, text string) {
	if b.max > 0 && text != "" {
		b.addOutput(stream, text)
	}
}

// reset empties b, keeping its bound.
func (b *outputBuffer) reset() { *b = outputBuffer{max: b.max} }

// outputBytes is the output text b holds (prompts not counted).
func (b *outputBuffer) outputBytes() int64 {
	var n int64
	for _, e := range b.entries[b.head:] {
		if !e.prompt {
			n += int64(len(e.text))
		}
	}
	return n
}

// scrollback returns b's text as scrollback updates, leaving b as it is.
func (b *outputBuffer) scrollback() []Update {
	out := make([]Update, 0, len(b.entries)-b.head)
	for _, e := range b.entries[b.head:] {
		out = append(out, Update{Kind: UpdateScrollback, Stream: e.stream, Data: string(e.text)})
	}
	return out
}

// echo is how the console showed a line of input: after the prompt when
// the shell was idle, alone when a running command read it (Read-Host).
func echo(prompt, input string, busy bool) string {
	input = strings.ReplaceAll(strings.ReplaceAll(strings.TrimRight(input, "\r\n"), "\r\n", "\n"), "\n", "\r\n") + "\r\n"
	if busy {
		return input
	}
	return prompt + input
}
