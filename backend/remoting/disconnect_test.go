package remoting

import (
	"context"
	"testing"
	"time"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/psrp"
)

// TestDisconnectConnectReplay replays test_psrp_disconnect_runspaces.yml:
// open a pool, Disconnect, Reconnect, Disconnect; open a second one and
// Disconnect it; list the disconnected pools (Enumerate of the shells and
// of each one's commands); Connect a new client to each (connectXml in,
// connectResponseXml out, the pool Opened again); Delete both. Every
// request must match the recorded one (see TestReplay).
func TestDisconnectConnectReplay(t *testing.T) {
	srv, recs, endpoint := serveRecording(t, "test_psrp_disconnect_runspaces.yml")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	opens := recordedMessages(t, recs, "creationXml")
	connects := recordedMessages(t, recs, "connectXml")
	c1, err := Open(ctx, Config{Endpoint: endpoint, Pool: recordedPool(t, opens[0])})
	if err != nil {
		t.Fatalf("open 1: %v", err)
	}
	if err := c1.Disconnect(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if c1.Pool().State() != psrp.PoolDisconnected {
		t.Errorf("after Disconnect: %s", c1.Pool().State())
	}
	if err := c1.Reconnect(ctx); err != nil {
		t.Fatal(err)
	}
	if c1.Pool().State() != psrp.PoolOpened {
		t.Errorf("after Reconnect: %s", c1.Pool().State())
	}
	if err := c1.Disconnect(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// pypsrp opened the second pool on the connection whose envelope size
	// the first negotiation had raised; a new client starts at 153600.
	c2, err := Open(ctx, Config{Endpoint: endpoint, Pool: recordedPool(t, opens[1]), Shell: wsman.ShellOptions{MaxEnvelopeSize: envelopeLarge}})
	if err != nil {
		t.Fatalf("open 2: %v", err)
	}
	if err := c2.Disconnect(ctx, 0); err != nil {
		t.Fatal(err)
	}

	list, err := Disconnected(ctx, Config{Endpoint: endpoint})
	if err != nil {
		t.Fatalf("Disconnected: %v", err)
	}
	if len(list) != 2 || list[0].ShellID != c1.ShellID() || list[1].ShellID != c2.ShellID() ||
		list[0].Configuration != DefaultConfiguration {
		t.Fatalf("disconnected shells: %+v", list)
	}
	var again []*Client
	for i, d := range list {
		cfg := Config{Endpoint: endpoint, Pool: psrp.PoolConfig{ID: connects[i][0].RPID}}
		if i > 0 { // pypsrp's connection had raised its envelope size by then
			cfg.Shell.MaxEnvelopeSize = envelopeLarge
		}
		c, err := Connect(ctx, cfg, d.ShellID)
		if err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
		if c.Pool().State() != psrp.PoolOpened {
			t.Errorf("connect %d: pool %s", i, c.Pool().State())
		}
		again = append(again, c)
	}
	for _, c := range again {
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if srv.next != len(recs) {
		t.Errorf("%d of %d recorded requests made", srv.next, len(recs))
	}
}

// TestDisconnectedCommandsReplay replays test_psrp_disconnected_commands.yml:
// two pools each start a pipeline and disconnect at once (the pipelines run
// on while nobody listens); the pools are listed, connected to by new
// clients, each pipeline attached (Connect with its CommandId) and its
// buffered output received to the end; then Reconnect and Delete.
func TestDisconnectedCommandsReplay(t *testing.T) {
	srv, recs, endpoint := serveRecording(t, "test_psrp_disconnected_commands.yml")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opens := recordedMessages(t, recs, "creationXml")
	creates := recordedMessages(t, recs, "Arguments")
	connects := recordedMessages(t, recs, "connectXml")

	var started []psrp.GUID
	for i := range 2 {
		cfg := Config{Endpoint: endpoint, Pool: recordedPool(t, opens[i])}
		if i > 0 { // pypsrp's connection had raised its envelope size by then
			cfg.Shell.MaxEnvelopeSize = envelopeLarge
		}
		c, err := Open(ctx, cfg)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		pl, err := c.Start(ctx, Invocation{Pipeline: recordedPipeline(t, creates[i][0])})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		started = append(started, pl.ID())
		if err := c.Disconnect(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	list, err := Disconnected(ctx, Config{Endpoint: endpoint, Shell: wsman.ShellOptions{MaxEnvelopeSize: envelopeLarge}})
	if err != nil || len(list) != 2 {
		t.Fatalf("Disconnected: %+v, %v", list, err)
	}
	var again []*Client
	for i, d := range list { // the target lists the second pool first
		c, err := Connect(ctx, Config{Endpoint: endpoint, Pool: psrp.PoolConfig{ID: connects[i][0].RPID},
			Shell: wsman.ShellOptions{MaxEnvelopeSize: envelopeLarge}}, d.ShellID)
		if err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
		if len(d.Commands) != 1 {
			t.Fatalf("shell %s lists %d commands, want 1", d.ShellID, len(d.Commands))
		}
		pid := started[1-i] // the ids as the pipelines' messages carry them
		pl, err := c.Attach(ctx, pid)
		if err != nil {
			t.Fatalf("attach %s: %v", pid, err)
		}
		outputs := 0
		state, errRec, err := c.Wait(ctx, pl, Invocation{OnEvent: func(ev psrp.Event) {
			if _, ok := ev.(psrp.OutputEvent); ok {
				outputs++
			}
		}})
		if err != nil || state != psrp.PipelineCompleted || errRec != nil || outputs == 0 {
			t.Fatalf("pipeline %s after Connect: state %s, %d outputs, %v, %v", pid, state, outputs, errRec, err)
		}
		again = append(again, c)
	}
	for _, c := range again {
		if err := c.Reconnect(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if srv.next != len(recs) {
		t.Errorf("%d of %d recorded requests made", srv.next, len(recs))
	}
}

// recordedPool is the pool configuration a recorded creationXml implies.
func recordedPool(t testing.TB, open []psrp.Message) psrp.PoolConfig {
	t.Helper()
	b, err := psrp.DecodeBody(open[1])
	if err != nil {
		t.Fatal(err)
	}
	init := b.(psrp.InitRunspacePoolMsg)
	return psrp.PoolConfig{ID: open[0].RPID, MinRunspaces: init.MinRunspaces, MaxRunspaces: init.MaxRunspaces,
		ThreadOptions: init.ThreadOptions, ApartmentState: &init.ApartmentState, Host: &init.Host,
		ApplicationArguments: init.ApplicationArguments}
}

// recordedPipeline is the pipeline configuration a recorded
// CREATE_PIPELINE implies.
func recordedPipeline(t testing.TB, create psrp.Message) psrp.PipelineConfig {
	t.Helper()
	b, err := psrp.DecodeBody(create)
	if err != nil {
		t.Fatal(err)
	}
	cp := b.(psrp.CreatePipelineMsg)
	return psrp.PipelineConfig{ID: create.PID, PowerShell: cp.PowerShell, Input: !cp.NoInput,
		AddToHistory: cp.AddToHistory, Host: &cp.Host, IsNested: cp.IsNested}
}
