package console

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/session"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The wire format of every gateway → browser frame, from the update the
// session gives (the error frame has no update: it is encoded as such).
func TestFrameJSON(t *testing.T) {
	updates := []session.Update{
		{Kind: session.UpdateHello, Prompt: "PS C:\\> ", Busy: true, Hello: session.Hello{ID: "abc", Name: "alice.261122.230405", Target: "web1", User: "alice"}},
		{Kind: session.UpdateOutput, Stream: "stderr", Data: "bad\r\n", Replay: true},
		{Kind: session.UpdatePrompt, Prompt: "PS> ", Success: false},
		{Kind: session.UpdateDropped, Bytes: 1234},
		{Kind: session.UpdateIdleWarning, Seconds: 300},
		{Kind: session.UpdateMessage, ID: "m1", From: "admin", Text: "hi", Time: 0},
		{Kind: session.UpdateClosed, Reason: session.ReasonIdleTimeout, Message: "The session ended after a period of inactivity."},
		{Kind: session.UpdateScrollback, Stream: "stdout", Data: "PS C:\\> dir\r\n"},
		{Kind: session.UpdateRestored, Bytes: 42},
	}
	var b strings.Builder
	for _, u := range updates {
		data, err := encodeFrame(u)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	data, err := json.Marshal(errorFrame{"error", "input too large"})
	if err != nil {
		t.Fatal(err)
	}
	b.Write(data)
	b.WriteByte('\n')
	for _, k := range []session.UpdateKind{0, session.UpdateRestored + 1, -1} {
		if _, err := encodeFrame(session.Update{Kind: k}); err == nil {
			t.Errorf("encoding an update of unknown kind %d succeeded", k)
		}
	}
	golden := filepath.Join("testdata", "frames.golden.jsonl")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("frames JSON:\n%s\nwant:\n%s", b.String(), want)
	}
}
