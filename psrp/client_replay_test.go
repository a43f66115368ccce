package psrp_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
)

// optionalExchangeKey is pypsrp's test key when present (see
// pypsrpExchangeKey), else nil.
func optionalExchangeKey(t *testing.T) *rsa.PrivateKey {
	path := os.Getenv(exchangeKeyEnv)
	if path == "" {
		path = filepath.Join(fixtureDir, "..", "pypsrp-exchange-key.pem")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return k
}

// clientRun is what driving the client through one recording checked.
type clientRun struct {
	sent, exact, structural int            // client messages produced; compared byte for byte / structurally
	events                  map[string]int // events by kind
	poolStates, pipeStates  []string       // states reached, in order
	outputs                 []string       // output values, as text
	errors                  []string       // error records: FullyQualifiedErrorId
	hostAnswered, hostVoid  int            // host calls answered / void
	notes                   []string
	protocols               []string // negotiated protocol versions
}

// recordedHost answers the recorded host calls with the values the
// recordings' replies imply, built with psgate's reply helpers.
// SecureString replies reuse the recorded ciphertext: pypsrp's session
// key is not available to encrypt them again (TestRecordedKeyExchangeWithKey
// checks that encryption when it is).
type recordedHost struct {
	secure map[psrp.HostMethod]clixml.SecureString
}

func (h recordedHost) HostCall(_ context.Context, call psrp.HostCallMsg, req psrp.HostRequest) (clixml.Value, error) {
	switch call.Method {
	case psrp.HostReadLine:
		return clixml.String("ReadLine response"), nil
	case psrp.HostReadLineAsSecureString:
		return h.secure[call.Method], nil
	case psrp.HostPrompt:
		p := req.(psrp.PromptRequest)
		return psrp.PromptResult(clixml.Entry{Key: clixml.String(p.Fields[0].Name), Value: clixml.String("prompt response")}), nil
	case psrp.HostPromptForCredential2:
		return psrp.CredentialResult("username", h.secure[call.Method]), nil
	case psrp.HostPromptForChoice:
		return clixml.Int32(1), nil
	case psrp.HostReadKey:
		return psrp.KeyInfo{VirtualKeyCode: 65, Character: 'a', ControlKeyState: 128, KeyDown: true}.Value(), nil
	}
	return nil, nil
}

// recordedSecure collects the SecureStrings of the recorded host replies.
func recordedSecure(t *testing.T, msgs []psrp.Message) map[psrp.HostMethod]clixml.SecureString {
	out := map[psrp.HostMethod]clixml.SecureString{}
	for _, m := range msgs {
		if m.Type != psrp.PipelineHostResponse {
			continue
		}
		b, err := psrp.DecodeBody(m)
		if err != nil {
			t.Fatal(err)
		}
		r := b.(psrp.HostResponseMsg)
		switch v := r.Result.(type) {
		case clixml.SecureString:
			out[r.Method] = v
		case *clixml.Object:
			if pw, ok := v.Prop("Password"); ok {
				out[r.Method] = pw.(clixml.SecureString)
			}
		}
	}
	return out
}

// TestClientReplay drives psgate's client state machines through every
// recording: each recorded client message is produced by the RunspacePool
// or Pipeline call it implies (Open, Connect, NewPipeline with the recorded
// commands, Input, EndInput, SetMaxRunspaces …, a host reply from Answer)
// with the recorded ids injected, and the produced message must equal the
// recorded one byte for byte (after undoing pypsrp's quirks, see
// pypsrpQuirks); a PUBLIC_KEY is compared byte for byte only with pypsrp's
// key, else structurally. Every recorded server message is fed to the pool
// and must be interpreted without error. What each recording yielded is
// kept in testdata/client_replay.golden (-update rewrites it).
func TestClientReplay(t *testing.T) {
	files := loadFixtures(t)
	key := optionalExchangeKey(t)
	var table strings.Builder
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f.Path), ".yml")
		t.Run(name, func(t *testing.T) {
			run := replayClient(t, recordedMessages(t, f), key)
			writeClientRun(&table, name, run)
		})
	}
	if key != nil && !*update {
		t.Log("pypsrp's key present: client_replay.golden records a run without it; not compared")
		return
	}
	checkGolden(t, "client_replay.golden", table.String())
}

type clientDriver struct {
	t        *testing.T
	msgs     []psrp.Message
	key      *rsa.PrivateKey
	host     recordedHost
	pool     *psrp.RunspacePool
	pipes    map[psrp.GUID]*psrp.Pipeline
	pending  []psrp.Message
	run      clientRun
	poolHost psrp.HostInfo
}

func replayClient(t *testing.T, msgs []psrp.Message, key *rsa.PrivateKey) clientRun {
	d := &clientDriver{t: t, msgs: msgs, key: key, host: recordedHost{secure: recordedSecure(t, msgs)},
		pipes: map[psrp.GUID]*psrp.Pipeline{}, run: clientRun{events: map[string]int{}}}
	for i, m := range msgs {
		if m.Destination == psrp.DestinationServer {
			d.client(i, m)
		} else {
			d.server(i, m)
		}
	}
	for _, m := range d.pending {
		t.Errorf("client queued %s that the recording never sent", m.Type)
	}
	return d.run
}

// client produces recorded client message i and compares it.
func (d *clientDriver) client(i int, want psrp.Message) {
	t := d.t
	if len(d.pending) == 0 {
		if err := d.act(i, want); err != nil {
			t.Fatalf("message %d %s: %v", i, want.Type, err)
		}
		d.pending = append(d.pending, d.pool.Outgoing()...)
	}
	if len(d.pending) == 0 {
		t.Fatalf("message %d %s: the client produced nothing", i, want.Type)
	}
	got := d.pending[0]
	d.pending = d.pending[1:]
	d.run.sent++
	if got.Type == psrp.PublicKey && d.key == nil {
		d.comparePublicKey(i, got, want)
		return
	}
	want.Data = pypsrpQuirks(want.Data)
	gb, _ := got.MarshalBinary()
	wb, _ := want.MarshalBinary()
	if !bytes.Equal(gb, wb) {
		t.Errorf("message %d: client sent %s\n%s\nrecorded %s\n%s", i, got.Type, got.Data, want.Type, want.Data)
		return
	}
	d.run.exact++
}

func (d *clientDriver) comparePublicKey(i int, got, want psrp.Message) {
	gb, err1 := psrp.DecodeBody(got)
	wb, err2 := psrp.DecodeBody(want)
	if err1 != nil || err2 != nil {
		d.t.Fatalf("message %d: %v %v", i, err1, err2)
	}
	g, w := gb.(psrp.PublicKeyMsg), wb.(psrp.PublicKeyMsg)
	if got.RPID != want.RPID || len(g.Blob) != len(w.Blob) || !bytes.Equal(g.Blob[:20], w.Blob[:20]) {
		d.t.Errorf("message %d: PUBLIC_KEY header or size differs", i)
		return
	}
	d.run.structural++
	d.note("PUBLIC_KEY compared structurally (header, size): pypsrp's key absent")
}

func (d *clientDriver) note(s string) {
	for _, n := range d.run.notes {
		if n == s {
			return
		}
	}
	d.run.notes = append(d.run.notes, s)
}

// act performs the client call that recorded message i implies.
func (d *clientDriver) act(i int, m psrp.Message) error {
	b, err := psrp.DecodeBody(m)
	if err != nil {
		return err
	}
	switch b := b.(type) {
	case psrp.SessionCapabilityMsg:
		return d.open(i, m)
	case psrp.PublicKeyMsg:
		return d.pool.RequestSessionKey()
	case psrp.CreatePipelineMsg:
		cfg := psrp.PipelineConfig{ID: m.PID, PowerShell: b.PowerShell, Input: !b.NoInput, AddToHistory: b.AddToHistory,
			IsNested: b.IsNested, StreamOptions: &b.RemoteStreamOptions}
		if !cmp.Equal(b.Host, d.poolHost) {
			cfg.Host = &b.Host
		}
		pl, err := d.pool.NewPipeline(cfg)
		d.pipes[m.PID] = pl
		return err
	case psrp.GetCommandMetadataMsg:
		pl, err := d.pool.GetCommandMetadata(m.PID, b)
		d.pipes[m.PID] = pl
		return err
	case psrp.DataMsg:
		return d.pipes[m.PID].Input(b.Data)
	case psrp.EndOfPipelineInputMsg:
		return d.pipes[m.PID].EndInput()
	case psrp.SetRunspacesMsg:
		if b.Max {
			_, err = d.pool.SetMaxRunspaces(b.Count)
		} else {
			_, err = d.pool.SetMinRunspaces(b.Count)
		}
		return err
	case psrp.CallIDMsg:
		if b.Type == psrp.ResetRunspaceState {
			_, err = d.pool.ResetRunspaceState()
		} else {
			_, err = d.pool.GetAvailableRunspaces()
		}
		return err
	}
	return fmt.Errorf("no client call produces %s", m.Type)
}

// open starts a pool the way the recording did: Open (INIT_RUNSPACEPOOL
// follows) or Connect to a disconnected pool (CONNECT_RUNSPACEPOOL).
func (d *clientDriver) open(i int, m psrp.Message) error {
	next := d.msgs[i+1]
	cfg := psrp.PoolConfig{ID: m.RPID, ExchangeKey: d.key}
	connect := next.Type == psrp.ConnectRunspacePool
	if !connect {
		b, err := psrp.DecodeBody(next)
		if err != nil {
			return err
		}
		init := b.(psrp.InitRunspacePoolMsg)
		cfg.MinRunspaces, cfg.MaxRunspaces, cfg.ThreadOptions = init.MinRunspaces, init.MaxRunspaces, init.ThreadOptions
		cfg.ApartmentState, cfg.Host, cfg.ApplicationArguments = &init.ApartmentState, &init.Host, init.ApplicationArguments
		d.poolHost = init.Host
	}
	pool, err := psrp.NewRunspacePool(cfg)
	if err != nil {
		return err
	}
	if d.pool != nil {
		d.note("a new pool object reconnects (Connect)")
	}
	d.pool = pool
	if connect {
		for id, pl := range d.pipes {
			if pl != nil && !pl.State().Terminal() {
				d.pipes[id] = pool.AttachPipeline(id)
			}
		}
		return pool.Connect()
	}
	return pool.Open()
}

// server feeds recorded server message i and records what it meant.
func (d *clientDriver) server(i int, m psrp.Message) {
	t := d.t
	events, err := d.pool.Feed(m)
	if err != nil {
		if m.Type == psrp.EncryptedSessionKey && d.key == nil && errors.Is(err, psrp.ErrInvalidSessionKey) {
			d.note("ENCRYPTED_SESSION_KEY not decryptable without pypsrp's key (rejected as ErrInvalidSessionKey)")
			return
		}
		t.Errorf("message %d %s: %v", i, m.Type, err)
		return
	}
	if len(events) == 0 {
		t.Errorf("message %d %s: no event", i, m.Type)
	}
	for _, ev := range events {
		d.event(ev)
	}
}

func (d *clientDriver) event(ev psrp.Event) {
	kind := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", ev), "psrp."), "Event")
	d.run.events[kind]++
	switch ev := ev.(type) {
	case psrp.CapabilityEvent:
		d.run.protocols = append(d.run.protocols, ev.Negotiated.String())
	case psrp.PoolStateEvent:
		d.run.poolStates = append(d.run.poolStates, ev.State.String())
	case psrp.PipelineStateEvent:
		s := ev.State.String()
		if ev.Error != nil {
			s += "(" + ev.Error.FullyQualifiedErrorID + ": " + ev.Error.Message + ")"
		}
		d.run.pipeStates = append(d.run.pipeStates, s)
	case psrp.OutputEvent:
		d.run.outputs = append(d.run.outputs, valueText(ev.Value))
	case psrp.RecordEvent:
		switch r := ev.Record.(type) {
		case *psrp.ErrorRecordMsg:
			d.run.errors = append(d.run.errors, r.FullyQualifiedErrorID)
		case *psrp.InformationalRecordMsg:
			d.run.events[r.Type.String()]++
		case *psrp.ProgressRecordMsg:
			d.run.events["PROGRESS "+r.Activity]++
		case *psrp.InformationRecordMsg:
			d.run.events["INFORMATION "+r.Text()]++
		}
	case psrp.HostCallEvent:
		if ev.Call.WantsReply() {
			d.run.hostAnswered++
		} else {
			d.run.hostVoid++
		}
		if err := d.pool.Answer(context.Background(), d.host, ev); err != nil {
			d.t.Errorf("answering %s: %v", ev.Call.Method, err)
		}
		d.pending = append(d.pending, d.pool.Outgoing()...)
	}
}

// valueText is a short text form of an output value.
func valueText(v clixml.Value) string {
	const limit = 40
	var s string
	switch v := v.(type) {
	case *clixml.Object:
		if v.ToString != nil {
			s = *v.ToString
		} else if x, ok := clixml.AsString(v); ok {
			s = x
		} else if len(v.TypeNames) > 0 {
			s = "[" + v.TypeNames[0] + "]"
		} else {
			s = "[object]"
		}
	case clixml.SecureString:
		s = "[SecureString]"
	default:
		s = fmt.Sprint(v)
	}
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

func writeClientRun(w *strings.Builder, name string, r clientRun) {
	fmt.Fprintf(w, "%s\n", name)
	fmt.Fprintf(w, "  client messages: %d produced, %d byte for byte, %d structurally\n", r.sent, r.exact, r.structural)
	fmt.Fprintf(w, "  protocol: %s; pool states: %s\n", strings.Join(r.protocols, " "), strings.Join(r.poolStates, " "))
	if len(r.pipeStates) > 0 {
		fmt.Fprintf(w, "  pipeline states: %s\n", strings.Join(r.pipeStates, " "))
	}
	if len(r.outputs) > 0 {
		fmt.Fprintf(w, "  output (%d): %s\n", len(r.outputs), strings.Join(r.outputs, " "))
	}
	if len(r.errors) > 0 {
		fmt.Fprintf(w, "  error records: %s\n", strings.Join(r.errors, " "))
	}
	if r.hostAnswered+r.hostVoid > 0 {
		fmt.Fprintf(w, "  host calls: %d answered, %d void\n", r.hostAnswered, r.hostVoid)
	}
	var kinds []string
	for k, n := range r.events {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "  events: %s\n", strings.Join(kinds, ", "))
	for _, n := range r.notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}
