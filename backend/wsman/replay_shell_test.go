package wsman

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRecordedSessions replays every PSRP recording through the Shell
// client: a server answers each request with the recorded reply, and each
// request the Shell sends (MessageID and SessionId injected from the
// recording) must equal the recorded one as an element tree, To aside.
func TestRecordedSessions(t *testing.T) {
	recs := loadRecordings(t, "test_psrp_*.yml")
	for _, name := range slices.Sorted(mapKeys(recs)) {
		t.Run(strings.TrimSuffix(name, ".yml"), func(t *testing.T) {
			replaySession(t, recs[name])
		})
	}
}

func replaySession(t *testing.T, rec recording) {
	var got [][]byte
	i := 0
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, b)
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		reply := ""
		if i < len(rec.Messages) {
			reply = rec.Messages[i].Response
		}
		if reply == "" || strings.Contains(reply, "Fault>") {
			w.WriteHeader(500)
		}
		_, _ = io.WriteString(w, reply)
	}))
	c := serverClient(t, ts)
	shells := map[string]*Shell{}
	for i = range rec.Messages {
		want := parseTree(t, []byte(rec.Messages[i].Request))
		callShell(t, c, shells, want)
		if len(got) != i+1 {
			t.Fatalf("request %d: the Shell sent %d requests", i, len(got))
		}
		mine := parseTree(t, got[i])
		mine.find(nsAddressing, "To").Text = want.find(nsAddressing, "To").Text
		headerUnordered(want)
		headerUnordered(mine)
		if diff := cmp.Diff(want, mine); diff != "" {
			t.Errorf("request %d differs (-recorded +Shell):\n%s", i, diff)
		}
	}
}

// callShell makes the Shell call that should send the recorded request.
func callShell(t *testing.T, c *Client, shells map[string]*Shell, rec *node) {
	ctx := context.Background()
	hdr, body := rec.find(nsEnvelope, "Header"), rec.find(nsEnvelope, "Body")
	h, _ := rebuildHeader(t, hdr)
	o := ShellOptions{ResourceURI: h.ResourceURI, MaxEnvelopeSize: h.MaxEnvelopeSize, OperationTimeout: h.OperationTimeout,
		SessionID: h.SessionID, NewMessageID: func() string { return h.MessageID }}
	sh := shells[h.ShellID]
	if sh != nil && sh.s.opts.SessionID != h.SessionID {
		sh = nil // another client (its own SessionId) on the same shell
	}
	if sh == nil && h.ShellID != "" {
		sh, _ = c.OpenShell(h.ShellID, o)
		shells[h.ShellID] = sh
	}
	if sh != nil {
		sh.SetMaxEnvelopeSize(h.MaxEnvelopeSize)
		sh.SetOperationTimeout(h.OperationTimeout)
		sh.s.opts.NewMessageID = o.NewMessageID
	}
	b64 := func(n *node) []byte { d, _ := base64.StdEncoding.DecodeString(n.text()); return d }
	attr := func(n *node, a string) string { v, _ := n.attr(a); return v }
	switch hdr.find(nsAddressing, "Action").text() {
	case ActionCreate:
		s := body.find(nsShell, "Shell")
		o.Create = CreateRequest{ShellID: attr(s, "ShellId"), InputStreams: s.find(nsShell, "InputStreams").text(),
			OutputStreams: s.find(nsShell, "OutputStreams").text(), CreationXML: b64(s.find(nsPowerShell, "creationXml"))}
		o.CreateOptions = h.Options
		if n := s.find(nsShell, "IdleTimeOut"); n != nil {
			o.Create.IdleTimeOut, _ = ParseDuration(n.text())
		}
		if sh, err := c.CreateShell(ctx, o); err == nil {
			shells[sh.ID()] = sh
			shells[o.Create.ShellID] = sh
		}
	case ActionCommand:
		cl := body.find(nsShell, "CommandLine")
		_, _ = sh.Command(ctx, attr(cl, "CommandId"), b64(cl.find(nsShell, "Arguments")))
	case ActionSend:
		s := body.find(nsShell, "Stream")
		_ = sh.Send(ctx, attr(s, "CommandId"), attr(s, "Name"), b64(s), attr(s, "End") == "true")
	case ActionReceive:
		d := body.find(nsShell, "DesiredStream")
		_, _ = sh.Receive(ctx, attr(d, "CommandId"), d.text())
	case ActionSignal:
		s := body.find(nsShell, "Signal")
		_ = sh.Signal(ctx, attr(s, "CommandId"), s.find(nsShell, "Code").text())
	case ActionDelete:
		_ = sh.Delete(ctx)
	case ActionGet:
		if h.ResourceURI == ResourceConfig {
			_, _ = c.ServerConfig(ctx, o)
		} else {
			_, _ = sh.Get(ctx)
		}
	case ActionDisconnect:
		_ = sh.Disconnect(ctx, 0)
	case ActionReconnect:
		_ = sh.Reconnect(ctx)
	case ActionConnect:
		cn := body.find(nsShell, "Connect")
		var payload []byte
		if x := cn.find(nsPowerShell, "connectXml"); x != nil {
			payload = b64(x)
		}
		_, _ = sh.Connect(ctx, attr(cn, "CommandId"), payload, h.Options...)
	case ActionEnumerate:
		if id := body.find(nsWSMan, "Selector").text(); id != "" {
			sh, _ := c.OpenShell(id, o)
			_, _ = sh.Commands(ctx)
		} else {
			_, _ = c.Shells(ctx, o)
		}
	}
}
