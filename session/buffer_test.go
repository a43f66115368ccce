package session

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// replayText joins the replayed output and returns the dropped count.
func replayText(fs []Update) (text string, dropped int64) {
	var b strings.Builder
	for _, f := range fs {
		switch f.Kind {
		case UpdateDropped:
			dropped += f.Bytes
		case UpdateOutput:
			b.WriteString(f.Data)
		}
	}
	return b.String(), dropped
}

func TestBufferBoundAndMarker(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		chunks []string
	}{
		{"fits", 64 << 10, []string{"a\r\n", "b\r\n"}},
		{"many small chunks overflow", 8 << 10, repeat("0123456789\r\n", 5000)},
		{"big chunks overflow", 4 << 10, repeat(strings.Repeat("x", 3000), 10)},
		{"one chunk larger than the buffer", 2 << 10, []string{strings.Repeat("é", 5000)}},
		{"multibyte across chunk edges", 16 << 10, repeat("日本語のテキスト\r\n", 3000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := outputBuffer{max: tc.max}
			all := strings.Join(tc.chunks, "")
			for _, c := range tc.chunks {
				b.addOutput("stdout", c)
				if b.size > tc.max {
					t.Fatalf("buffer size %d exceeds max %d", b.size, tc.max)
				}
			}
			frames := b.drain()
			got, dropped := replayText(frames)
			if int(dropped)+len(got) != len(all) {
				t.Errorf("kept %d + dropped %d != written %d", len(got), dropped, len(all))
			}
			if !strings.HasSuffix(all, got) {
				t.Errorf("kept output is not the newest output")
			}
			if dropped > 0 && frames[0].Kind != UpdateDropped {
				t.Errorf("first replay frame is %v, want the dropped marker", frames[0].Kind)
			}
			if dropped == 0 && len(all) > tc.max {
				t.Errorf("nothing dropped from %d bytes with max %d", len(all), tc.max)
			}
			for _, f := range frames {
				if f.Kind == UpdateOutput && !utf8.ValidString(f.Data) {
					t.Fatalf("replay frame splits a rune: %q", f.Data)
				}
			}
			if b.size != 0 || len(b.entries) != 0 || b.dropped != 0 {
				t.Errorf("drain left size %d, %d entries, dropped %d", b.size, len(b.entries), b.dropped)
			}
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func FuzzBuffer(f *testing.F) {
	f.Add("hello\r\n", 3, 1024)
	f.Add("日本語", 700, 1100)
	f.Fuzz(func(t *testing.T, chunk string, n, max int) {
		if n < 0 || n > 2000 || max < minBufferBytes || max > 1<<16 {
			t.Skip()
		}
		b := outputBuffer{max: max}
		for i := range n {
			if i%7 == 6 {
				b.addPrompt("PS> ", true)
				continue
			}
			b.addOutput("stdout", chunk)
			if b.size > max {
				t.Fatalf("size %d > max %d", b.size, max)
			}
		}
		got, dropped := replayText(b.drain())
		written := 0
		for i := range n {
			if i%7 != 6 {
				written += len(chunk)
			}
		}
		prompts := 0 // dropped counts prompt bytes too
		for i := range n {
			if i%7 == 6 {
				prompts += len("PS> ")
			}
		}
		if int(dropped)+len(got) > written+prompts || int(dropped)+len(got) < written {
			t.Fatalf("kept %d + dropped %d vs written %d (+%d prompt bytes)", len(got), dropped, written, prompts)
		}
	})
}

func TestDisconnectedOverflowMarkerOnReconnect(t *testing.T) {
	m := newTestManager(t, Config{Clock: newFakeClock(), BufferBytes: 4096})
	var sh *fakeShell
	s, err := m.Open(t.Context(), OpenRequest{User: "alice"}, opener(&sh))
	if err != nil {
		t.Fatal(err)
	}
	line := "0123456789abcdef\r\n"
	for range 1000 {
		sh.emit(Event{Kind: EventOutput, Stream: "stdout", Text: line})
	}
	c := &fakeClient{}
	if _, err := s.Attach(c); err != nil {
		t.Fatal(err)
	}
	fs := c.take()
	if len(fs) < 3 || fs[0].Kind != UpdateHello || fs[1].Kind != UpdateDropped {
		t.Fatalf("frames = %v, want hello, dropped, output…", frameTypes(fs))
	}
	got, dropped := replayText(fs)
	if int(dropped)+len(got) != 1000*len(line) || dropped == 0 || len(got) > 4096 {
		t.Errorf("kept %d, dropped %d of %d", len(got), dropped, 1000*len(line))
	}
}
