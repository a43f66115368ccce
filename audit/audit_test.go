package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuditJSONLines(t *testing.T) {
	var buf bytes.Buffer
	fixed := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	a := NewLog(&buf, func() time.Time { return fixed })
	if err := a.Write(Record{Event: AuthenticationFailure, User: `CORP\alice`, ClientAddr: "192.0.2.1",
		XFF: "198.51.100.7", RequestID: "abc", Reason: "invalid credentials (52e)"}); err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-11-23T00:00:00Z","event":257,"name":"AUTHENTICATION_FAILURE","request_id":"abc","user":"CORP\\alice","client_addr":"192.0.2.1","x_forwarded_for":"198.51.100.7","reason":"invalid credentials (52e)"}` + "\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Error(d)
	}
}

func TestAuditConcurrentLinesDoNotInterleave(t *testing.T) {
	var buf bytes.Buffer
	a := NewLog(&buf, nil)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = a.Write(Record{Event: SessionStart, User: strings.Repeat("u", 200)})
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Name != "SESSION_START" {
			t.Fatalf("bad line %q: %v", l, err)
		}
	}
}
