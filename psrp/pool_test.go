package psrp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
)

// server builds server messages for pool rpid.
type server struct {
	t    *testing.T
	rpid psrp.GUID
}

func (s server) msg(pid psrp.GUID, b psrp.Body) psrp.Message {
	s.t.Helper()
	m, err := psrp.NewMessage(psrp.DestinationClient, s.rpid, pid, b)
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

func feedPool(t *testing.T, p *psrp.RunspacePool, m psrp.Message) []psrp.Event {
	t.Helper()
	ev, err := p.Feed(m)
	if err != nil {
		t.Fatalf("feeding %s: %v", m.Type, err)
	}
	return ev
}

// openedPool is a pool fed straight to Opened, its queue drained.
func openedPool(tb testing.TB, cfg psrp.PoolConfig) *psrp.RunspacePool {
	tb.Helper()
	p, err := psrp.NewRunspacePool(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	_ = p.Open()
	opened, _ := psrp.NewMessage(psrp.DestinationClient, p.ID(), psrp.GUID{}, psrp.RunspacePoolStateMsg{State: psrp.PoolOpened})
	if _, err := p.Feed(opened); err != nil {
		tb.Fatal(err)
	}
	p.Outgoing()
	return p
}

// openPool opens a pool against a synthetic server at protocol proto.
func openPool(t *testing.T, cfg psrp.PoolConfig, proto clixml.Version) (*psrp.RunspacePool, server) {
	t.Helper()
	p, err := psrp.NewRunspacePool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Open(); err != nil {
		t.Fatal(err)
	}
	if out := p.Outgoing(); len(out) != 2 || out[0].Type != psrp.SessionCapability || out[1].Type != psrp.InitRunspacePool {
		t.Fatalf("Open queued %v", out)
	}
	s := server{t, p.ID()}
	capab := psrp.ClientCapability()
	capab.ProtocolVersion = proto
	ev := feedPool(t, p, s.msg(psrp.GUID{}, capab))
	want := proto
	if v23.Less(proto) {
		want = v23
	}
	if got := ev[0].(psrp.CapabilityEvent).Negotiated; got != want {
		t.Errorf("negotiated %v, want %v", got, want)
	}
	feedPool(t, p, s.msg(psrp.GUID{}, psrp.ApplicationPrivateDataMsg{Data: psrp.PrimitiveDictionary()}))
	feedPool(t, p, s.msg(psrp.GUID{}, psrp.RunspacePoolStateMsg{State: psrp.PoolOpened}))
	if p.State() != psrp.PoolOpened {
		t.Fatalf("state %s", p.State())
	}
	return p, s
}

var v23 = clixml.Version{Major: 2, Minor: 3, Build: -1, Revision: -1}

func TestPoolBrokenWithReason(t *testing.T) {
	p, s := openPool(t, psrp.PoolConfig{}, v23)
	reason := &psrp.ErrorRecordMsg{Text: "the pool broke", Message: "the pool broke", ExceptionType: "System.Exception", FullyQualifiedErrorID: "X"}
	ev := feedPool(t, p, s.msg(psrp.GUID{}, psrp.RunspacePoolStateMsg{State: psrp.PoolBroken, Error: reason}))
	st := ev[0].(psrp.PoolStateEvent)
	if st.State != psrp.PoolBroken || st.Error == nil || st.Error.Message != "the pool broke" || st.Error.ExceptionType != "System.Exception" {
		t.Errorf("got %+v", st)
	}
	if _, err := p.NewPipeline(psrp.PipelineConfig{PowerShell: psrp.Script("1", false)}); !errors.Is(err, psrp.ErrState) {
		t.Errorf("pipeline on a broken pool: %v", err)
	}
}

func TestKeyExchangeOnRequest(t *testing.T) {
	p, s := openPool(t, psrp.PoolConfig{}, v23)
	if ev := feedPool(t, p, s.msg(psrp.GUID{}, psrp.PublicKeyRequestMsg{})); len(ev) != 0 {
		t.Errorf("events %v", ev)
	}
	out := p.Outgoing()
	if len(out) != 1 || out[0].Type != psrp.PublicKey {
		t.Fatalf("queued %v", out)
	}
	b, _ := psrp.DecodeBody(out[0])
	pub, err := psrp.ParsePublicKeyBlob(b.(psrp.PublicKeyMsg).Blob)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := psrp.NewSessionKey(nil)
	blob, err := psrp.EncryptSessionKey(pub, key)
	if err != nil {
		t.Fatal(err)
	}
	ev := feedPool(t, p, s.msg(psrp.GUID{}, psrp.EncryptedSessionKeyMsg{Blob: blob}))
	if _, ok := ev[0].(psrp.SessionKeyEvent); !ok || !p.HasSessionKey() {
		t.Fatalf("events %v", ev)
	}
	ss, err := p.SecureString("secret")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.DecryptSecureString(ss); err != nil || got != "secret" {
		t.Errorf("round trip %q %v", got, err)
	}
	if err := p.RequestSessionKey(); err != nil || len(p.Outgoing()) != 0 {
		t.Errorf("a second exchange was queued: %v", err)
	}
}

// TestPipelinesInterleaved runs two pipelines at once: their messages are
// routed by PID, states are their own, an unknown PID is an error.
func TestPipelinesInterleaved(t *testing.T) {
	p, s := openPool(t, psrp.PoolConfig{}, v23)
	a, err := p.NewPipeline(psrp.PipelineConfig{PowerShell: psrp.Script("1..3", true)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.NewPipeline(psrp.PipelineConfig{PowerShell: psrp.Script("Read-Host", false), Input: true})
	if err != nil {
		t.Fatal(err)
	}
	out := p.Outgoing()
	if len(out) != 2 || out[0].PID != a.ID() || out[1].PID != b.ID() || a.ID() == b.ID() {
		t.Fatalf("queued %v", out)
	}
	cp, _ := psrp.DecodeBody(out[0])
	if st := cp.(psrp.CreatePipelineMsg).PowerShell.Statements[0]; len(st) != 2 || st[1].Name != "Out-Default" {
		t.Errorf("statement %+v", st)
	}
	if err := a.Input(clixml.String("x")); !errors.Is(err, psrp.ErrState) {
		t.Errorf("input to a NoInput pipeline: %v", err)
	}
	if err := b.Input(clixml.Int32(1), clixml.Int32(2)); err != nil {
		t.Fatal(err)
	}
	if err := b.EndInput(); err != nil {
		t.Fatal(err)
	}
	if err := b.Input(clixml.Int32(3)); !errors.Is(err, psrp.ErrState) {
		t.Errorf("input after its end: %v", err)
	}
	if out := p.Outgoing(); len(out) != 3 || out[2].Type != psrp.EndOfPipelineInput || out[0].PID != b.ID() {
		t.Errorf("input queued %v", out)
	}
	ev := feedPool(t, p, s.msg(b.ID(), psrp.DataMsg{Type: psrp.PipelineOutput, Data: clixml.String("b")}))
	if o := ev[0].(psrp.OutputEvent); o.Pipeline != b || o.Value != clixml.String("b") {
		t.Errorf("output %+v", o)
	}
	feedPool(t, p, s.msg(a.ID(), &psrp.ProgressRecordMsg{Activity: "act"}))
	fail := &psrp.ErrorRecordMsg{Message: "boom", FullyQualifiedErrorID: "Boom"}
	ev = feedPool(t, p, s.msg(a.ID(), psrp.PipelineStateMsg{State: psrp.PipelineFailed, Error: fail}))
	if st := ev[0].(psrp.PipelineStateEvent); st.Pipeline != a || st.Error.FullyQualifiedErrorID != "Boom" || a.State() != psrp.PipelineFailed {
		t.Errorf("state %+v", st)
	}
	if b.State() != psrp.PipelineRunning {
		t.Errorf("b is %s", b.State())
	}
	if _, err := p.Feed(s.msg(a.ID(), psrp.DataMsg{Type: psrp.PipelineOutput, Data: clixml.Nil{}})); !errors.Is(err, psrp.ErrUnexpectedMessage) {
		t.Errorf("output after the end: %v", err)
	}
	if code := b.Stop(); code != psrp.SignalStop || b.State() != psrp.PipelineStopping {
		t.Errorf("Stop = %q, state %s", code, b.State())
	}
	feedPool(t, p, s.msg(b.ID(), psrp.PipelineStateMsg{State: psrp.PipelineStopped}))
	if code := b.Stop(); code != "" {
		t.Errorf("Stop after the end = %q", code)
	}
}

// TestMergesFollowProtocol: a pipeline created under protocol 2.1 carries
// only the 2.1 merge settings, as the 2.1 recording shows.
func TestMergesFollowProtocol(t *testing.T) {
	for _, tc := range []struct {
		proto clixml.Version
		want  clixml.Version
	}{
		{clixml.Version{Major: 2, Minor: 1, Build: -1, Revision: -1}, clixml.Version{Major: 2, Minor: 1, Build: -1, Revision: -1}},
		{clixml.Version{Major: 2, Minor: 2, Build: -1, Revision: -1}, clixml.Version{Major: 2, Minor: 2, Build: -1, Revision: -1}},
		{clixml.Version{Major: 2, Minor: 4, Build: -1, Revision: -1}, v23},
	} {
		p, _ := openPool(t, psrp.PoolConfig{}, tc.proto)
		if p.ProtocolVersion() != tc.want {
			t.Errorf("negotiated %v", p.ProtocolVersion())
		}
		if _, err := p.NewPipeline(psrp.PipelineConfig{PowerShell: psrp.Script("1", false)}); err != nil {
			t.Fatal(err)
		}
		b, _ := psrp.DecodeBody(p.Outgoing()[0])
		if got := b.(psrp.CreatePipelineMsg).Protocol; got != tc.want {
			t.Errorf("server %v: pipeline written for %v, want %v", tc.proto, got, tc.want)
		}
		_, err := p.ResetRunspaceState()
		if tc.want.Minor < 3 && !errors.Is(err, psrp.ErrUnsupported) {
			t.Errorf("reset at %v: %v", tc.want, err)
		}
	}
}

type failingHost struct{}

func (failingHost) HostCall(context.Context, psrp.HostCallMsg, psrp.HostRequest) (clixml.Value, error) {
	return nil, errors.New("no console attached")
}

func TestHostErrorReply(t *testing.T) {
	p, s := openPool(t, psrp.PoolConfig{Host: ptrTo(psrp.ConsoleHost(psrp.HostDefaultData{WindowTitle: "psgate"}))}, v23)
	pl, _ := p.NewPipeline(psrp.PipelineConfig{PowerShell: psrp.Script("Read-Host", false)})
	p.Outgoing()
	ev := feedPool(t, p, s.msg(pl.ID(), psrp.HostCallMsg{Pipeline: true, CallID: 7, Method: psrp.HostReadLine}))
	if err := p.Answer(context.Background(), failingHost{}, ev[0].(psrp.HostCallEvent)); err != nil {
		t.Fatal(err)
	}
	out := p.Outgoing()
	if len(out) != 1 || out[0].Type != psrp.PipelineHostResponse || out[0].PID != pl.ID() {
		t.Fatalf("queued %v", out)
	}
	b, _ := psrp.DecodeBody(out[0])
	r := b.(psrp.HostResponseMsg)
	if r.CallID != 7 || r.Method != psrp.HostReadLine || r.Error == nil || r.Error.Message != "no console attached" {
		t.Errorf("reply %+v", r)
	}
	// A void call gets no reply.
	ev = feedPool(t, p, s.msg(pl.ID(), psrp.HostCallMsg{Pipeline: true, CallID: -100, Method: psrp.HostWriteLine2, Params: []clixml.Value{clixml.String("x")}}))
	if err := p.Answer(context.Background(), failingHost{}, ev[0].(psrp.HostCallEvent)); err != nil || len(p.Outgoing()) != 0 {
		t.Errorf("void call: %v", err)
	}
	// A pool host call is answered with a pool message.
	ev = feedPool(t, p, s.msg(psrp.GUID{}, psrp.HostCallMsg{CallID: 1, Method: psrp.HostGetName}))
	if err := p.Reply(ev[0].(psrp.HostCallEvent), clixml.String("psgate"), nil); err != nil {
		t.Fatal(err)
	}
	if out := p.Outgoing(); len(out) != 1 || out[0].Type != psrp.RunspacePoolHostResponse || !out[0].PID.IsZero() {
		t.Errorf("pool reply %v", out)
	}
}

type plainHost struct{}

func (plainHost) HostCall(context.Context, psrp.HostCallMsg, psrp.HostRequest) (clixml.Value, error) {
	return clixml.String("s3cret"), nil
}

// TestSecureReadLine: a plain answer to ReadLineAsSecureString is sent
// encrypted with the session key, and refused before the key exchange.
func TestSecureReadLine(t *testing.T) {
	p, s := openPool(t, psrp.PoolConfig{}, v23)
	pl, _ := p.NewPipeline(psrp.PipelineConfig{PowerShell: psrp.Script("Read-Host -AsSecureString", false)})
	p.Outgoing()
	call := func() psrp.HostCallEvent {
		ev := feedPool(t, p, s.msg(pl.ID(), psrp.HostCallMsg{Pipeline: true, CallID: 1, Method: psrp.HostReadLineAsSecureString}))
		return ev[0].(psrp.HostCallEvent)
	}
	if err := p.Answer(context.Background(), plainHost{}, call()); !errors.Is(err, psrp.ErrState) {
		t.Errorf("before the key exchange: %v", err)
	}
	_ = p.RequestSessionKey()
	pk, _ := psrp.DecodeBody(p.Outgoing()[0])
	pub, _ := psrp.ParsePublicKeyBlob(pk.(psrp.PublicKeyMsg).Blob)
	key, _ := psrp.NewSessionKey(nil)
	blob, _ := psrp.EncryptSessionKey(pub, key)
	feedPool(t, p, s.msg(psrp.GUID{}, psrp.EncryptedSessionKeyMsg{Blob: blob}))
	if err := p.Answer(context.Background(), plainHost{}, call()); err != nil {
		t.Fatal(err)
	}
	b, _ := psrp.DecodeBody(p.Outgoing()[0])
	ss, ok := b.(psrp.HostResponseMsg).Result.(clixml.SecureString)
	if !ok {
		t.Fatalf("reply %+v", b)
	}
	if got, err := psrp.DecryptSecureString(key, ss); err != nil || got != "s3cret" {
		t.Errorf("decrypted %q %v", got, err)
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestFeedRejects(t *testing.T) {
	p, s := openPool(t, psrp.PoolConfig{}, v23)
	m := s.msg(psrp.GUID{}, psrp.RunspacePoolStateMsg{State: psrp.PoolOpened})
	m.Destination = psrp.DestinationServer
	if _, err := p.Feed(m); !errors.Is(err, psrp.ErrUnexpectedMessage) {
		t.Errorf("client-bound check: %v", err)
	}
	if _, err := p.Feed(s.msg(psrp.GUID{}, psrp.InitRunspacePoolMsg{Host: psrp.NullHost()})); !errors.Is(err, psrp.ErrUnexpectedMessage) {
		t.Errorf("client message from the server: %v", err)
	}
	bad := s.msg(psrp.GUID{}, psrp.RunspacePoolStateMsg{})
	bad.Data = []byte(`<Obj RefId="0"><MS><S N="RunspaceState">x</S></MS></Obj>`)
	if _, err := p.Feed(bad); !errors.Is(err, psrp.ErrInvalidBody) {
		t.Errorf("bad body: %v", err)
	}
	if _, err := p.Feed(s.msg(psrp.GUID{}, psrp.EncryptedSessionKeyMsg{Blob: []byte{1}})); !errors.Is(err, psrp.ErrUnexpectedMessage) {
		t.Errorf("unasked session key: %v", err)
	}
}
