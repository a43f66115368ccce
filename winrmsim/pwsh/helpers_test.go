package pwsh

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// session drives a process in tests.
type session struct {
	t  *testing.T
	p  *Process
	ch chan Chunk
}

func startPS(t *testing.T, opt Options, args ...string) *session {
	t.Helper()
	if len(args) == 0 {
		args = []string{"-NoLogo", "-NoProfile", "-Command", "-"}
	}
	p := Start(context.Background(), "powershell.exe", args, opt)
	t.Cleanup(func() {
		p.Kill()
		for range p.Output() {
		}
	})
	return &session{t: t, p: p}
}

func (s *session) send(lines ...string) {
	for _, l := range lines {
		_, _ = s.p.Write([]byte(l + "\r\n"))
	}
}

// block sends the console backend's line for block with a marker.
func (s *session) block(block, id string) {
	enc := base64.StdEncoding.EncodeToString([]byte(block))
	s.send("iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" + enc + "'))); Write-Output \"<<END:" + id + ":$?:$PWD>>\"")
}

// until reads output until stdout contains marker; it returns stdout and
// stderr read so far.
func (s *session) until(marker string) (stdout, stderr string) {
	s.t.Helper()
	var o, e strings.Builder
	timeout := time.After(20 * time.Second)
	for !strings.Contains(o.String(), marker) {
		select {
		case c, ok := <-s.p.Output():
			if !ok {
				s.t.Fatalf("process ended before %q; stdout %q stderr %q", marker, o.String(), e.String())
			}
			if c.Stream == "stdout" {
				o.Write(c.Data)
			} else {
				e.Write(c.Data)
			}
		case <-timeout:
			s.t.Fatalf("no %q; stdout %q stderr %q", marker, o.String(), e.String())
		}
	}
	return o.String(), e.String()
}

// drain reads until the process exits.
func (s *session) drain() (stdout, stderr string) {
	var o, e strings.Builder
	for c := range s.p.Output() {
		if c.Stream == "stdout" {
			o.Write(c.Data)
		} else {
			e.Write(c.Data)
		}
	}
	return o.String(), e.String()
}
