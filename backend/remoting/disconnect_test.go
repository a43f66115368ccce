package remoting

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strconv"
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
	recs := loadRecording(t, "test_psrp_disconnect_runspaces.yml")
	srv := &replayServer{t: t, recs: recs}
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	u, _ := url.Parse(ts.URL)
	port, _ := strconv.Atoi(u.Port())
	endpoint := wsman.Endpoint{Host: u.Hostname(), Port: port, HTTPS: true, Insecure: true, Auth: "basic",
		Username: "vagrant", Password: "vagrant"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	opens := recordedMessages(t, recs, "creationXml")
	connects := recordedMessages(t, recs, "connectXml")
	poolCfg := func(open []psrp.Message) psrp.PoolConfig {
		b, err := psrp.DecodeBody(open[1])
		if err != nil {
			t.Fatal(err)
		}
		init := b.(psrp.InitRunspacePoolMsg)
		return psrp.PoolConfig{ID: open[0].RPID, MinRunspaces: init.MinRunspaces, MaxRunspaces: init.MaxRunspaces,
			ThreadOptions: init.ThreadOptions, ApartmentState: &init.ApartmentState, Host: &init.Host,
			ApplicationArguments: init.ApplicationArguments}
	}
	c1, err := Open(ctx, Config{Endpoint: endpoint, Pool: poolCfg(opens[0])})
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
	c2, err := Open(ctx, Config{Endpoint: endpoint, Pool: poolCfg(opens[1]), Shell: wsman.ShellOptions{MaxEnvelopeSize: envelopeLarge}})
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
