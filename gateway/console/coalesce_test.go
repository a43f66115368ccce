package console

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/session"
)

func out(stream, data string) session.Update {
	return session.Update{Kind: session.UpdateOutput, Stream: stream, Data: data}
}

func replay(stream, data string) session.Update {
	return session.Update{Kind: session.UpdateOutput, Stream: stream, Data: data, Replay: true}
}

// coalesce splits fs into messages as the writer does and decodes each
// through encoding/json, as a browser's JSON.parse would.
func coalesce(t *testing.T, fs []session.Update, limit int) []map[string]any {
	t.Helper()
	var msgs []map[string]any
	for len(fs) > 0 {
		n := coalesceRun(fs, limit)
		if n < 1 || n > len(fs) {
			t.Fatalf("coalesceRun = %d of %d frames", n, len(fs))
		}
		var b []byte
		if fs[0].Kind == session.UpdateOutput {
			b = appendOutput(nil, fs[:n])
		} else {
			if n != 1 {
				t.Fatalf("a %s frame merged with %d others", frameType(fs[0].Kind), n-1)
			}
			var err error
			if b, err = encodeFrame(fs[0]); err != nil {
				t.Fatal(err)
			}
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("message %q is not JSON: %v", b, err)
		}
		msgs = append(msgs, m)
		fs = fs[n:]
	}
	return msgs
}

func TestCoalesceKeepsOrderStreamsReplayAndPrompts(t *testing.T) {
	prompt := session.Update{Kind: session.UpdatePrompt, Prompt: "PS C:\\> ", Success: true}
	fs := []session.Update{
		{Kind: session.UpdateHello, Prompt: "PS C:\\> "},
		{Kind: session.UpdateDropped, Bytes: 7},
		replay("stdout", "r1 "), replay("stdout", "r2\r\n"),
		out("stdout", "live "), // the replay flag differs: a new message
		prompt,
		out("stdout", "a"), out("stdout", "b"), out("stderr", "E1"), out("stderr", "E2"),
		out("stdout", "c"),
		prompt, prompt, // never merged, not even with each other
		out("warning", "w"),
		{Kind: session.UpdateClosed, Reason: "exit"},
	}
	want := []map[string]any{
		{"type": "hello", "version": 1.0, "session": map[string]any{"id": "", "name": "", "target": "", "user": ""}, "prompt": "PS C:\\> ", "busy": false},
		{"type": "dropped", "bytes": 7.0},
		{"type": "output", "stream": "stdout", "data": "r1 r2\r\n", "replay": true},
		{"type": "output", "stream": "stdout", "data": "live ", "replay": false},
		{"type": "prompt", "prompt": "PS C:\\> ", "success": true},
		{"type": "output", "stream": "stdout", "data": "ab", "replay": false},
		{"type": "output", "stream": "stderr", "data": "E1E2", "replay": false},
		{"type": "output", "stream": "stdout", "data": "c", "replay": false},
		{"type": "prompt", "prompt": "PS C:\\> ", "success": true},
		{"type": "prompt", "prompt": "PS C:\\> ", "success": true},
		{"type": "output", "stream": "warning", "data": "w", "replay": false},
		{"type": "closed", "reason": "exit", "message": ""},
	}
	if d := cmp.Diff(want, coalesce(t, fs, coalesceBytes)); d != "" {
		t.Errorf("messages (-want +got):\n%s", d)
	}
}

func TestCoalesceLimit(t *testing.T) {
	x := strings.Repeat("x", 40)
	fs := []session.Update{out("stdout", x), out("stdout", x), out("stdout", x), out("stdout", strings.Repeat("y", 250)), out("stdout", x)}
	var sizes []int
	var all strings.Builder
	for _, m := range coalesce(t, fs, 100) {
		sizes = append(sizes, len(m["data"].(string)))
		all.WriteString(m["data"].(string))
	}
	// 40+40 fit in 100, a third does not; a frame larger than the limit goes alone.
	if d := cmp.Diff([]int{80, 40, 250, 40}, sizes); d != "" {
		t.Errorf("message sizes (-want +got):\n%s", d)
	}
	if want := x + x + x + strings.Repeat("y", 250) + x; all.String() != want {
		t.Errorf("data joined = %q, want %q", all.String(), want)
	}
}

// appendOutput must write exactly what encoding/json writes for an output
// frame of the joined data: escapes, HTML characters, U+2028, invalid UTF-8
// and runes split between updates included.
func TestAppendOutputMatchesMarshalJSON(t *testing.T) {
	type outputFrame struct {
		Type   string `json:"type"`
		Stream string `json:"stream"`
		Data   string `json:"data"`
		Replay bool   `json:"replay"`
	}
	pieces := []string{"", "plain", "\r\n", "\"quoted\" \\ back", "<b>&amp;</b>", "\x00\x01\x08\x0c\x1f\x7f",
		"tab\there", "é", "日本語", "\u2028\u2029", "\xff", "\xe6\x97", "\xa5", "😀", "\xf0\x9f", "\x98\x80"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		run := make([]session.Update, 1+rng.IntN(5))
		var joined strings.Builder
		for j := range run {
			var b strings.Builder
			for range rng.IntN(4) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			run[j] = session.Update{Kind: session.UpdateOutput, Stream: "stdout", Data: b.String(), Replay: i%2 == 0}
			joined.WriteString(run[j].Data)
		}
		want, err := json.Marshal(outputFrame{"output", "stdout", joined.String(), i%2 == 0})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendOutput([]byte("prefix"), run); string(got) != "prefix"+string(want) {
			t.Fatalf("run %q:\n got %s\nwant %s", joined.String(), got[len("prefix"):], want)
		}
	}
}

// End to end through the handler: output queued while the writer is busy
// arrives in fewer, larger messages, with the same bytes in the same order,
// each stream's text under its own stream, and the prompt last.
func TestCoalescedOverSocket(t *testing.T) {
	f := newFixture(t, nil)
	ws, _, err := f.dial(dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	readFrame(t, ws) // hello
	readFrame(t, ws) // the first prompt, replayed
	const chunks = 400
	var wantOut, wantErr strings.Builder
	for i := range chunks {
		stream, text := "stdout", strings.Repeat(string(rune('a'+i%26)), 1000)+"\r\n"
		if i%100 == 99 {
			stream = "stderr"
			wantErr.WriteString(text)
		} else {
			wantOut.WriteString(text)
		}
		f.shell.emit(session.Event{Kind: session.EventOutput, Stream: stream, Text: text})
	}
	f.shell.emit(session.Event{Kind: session.EventPrompt, Prompt: "PS> ", Success: true})
	var gotOut, gotErr strings.Builder
	messages := 0
	for {
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		kind, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("reading: %v", err)
		}
		if kind != websocket.TextMessage {
			t.Fatalf("message kind %d", kind)
		}
		messages++
		var fr struct {
			Type, Stream, Data string
			Replay             bool
		}
		if err := json.Unmarshal(msg, &fr); err != nil {
			t.Fatal(err)
		}
		if fr.Type == "prompt" {
			break
		}
		if fr.Type != "output" || fr.Replay {
			t.Fatalf("frame %+v before the prompt", fr)
		}
		if len(fr.Data) > coalesceBytes {
			t.Errorf("a message of %d bytes of data, more than %d", len(fr.Data), coalesceBytes)
		}
		switch fr.Stream {
		case "stdout":
			gotOut.WriteString(fr.Data)
		case "stderr":
			if len(fr.Data) != 1002 {
				t.Errorf("stderr message of %d bytes, want the one 1002-byte chunk (stderr frames are never adjacent)", len(fr.Data))
			}
			gotErr.WriteString(fr.Data)
		default:
			t.Fatalf("stream %q", fr.Stream)
		}
	}
	if gotOut.String() != wantOut.String() || gotErr.String() != wantErr.String() {
		t.Errorf("stdout %d bytes (want %d), stderr %d bytes (want %d), or out of order", gotOut.Len(), wantOut.Len(), gotErr.Len(), wantErr.Len())
	}
	t.Logf("%d chunks arrived in %d messages", chunks, messages)
}
