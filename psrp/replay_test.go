package psrp_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/internal/replay"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// fixtureDir is shared/fixtures/pypsrp-responses beside the repository.
const fixtureDir = "../../shared/fixtures/pypsrp-responses"

func loadFixtures(t testing.TB) []*replay.File {
	t.Helper()
	if _, err := os.Stat(fixtureDir); err != nil {
		t.Skipf("recordings not present: %v", err)
	}
	files, err := replay.Glob(fixtureDir, "test_psrp_*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no test_psrp_*.yml recordings")
	}
	return files
}

// sideStats is what one direction of a recording held.
type sideStats struct {
	payloads, fragments int
	types               map[psrp.MessageType]int
	dotnet, rfc         int // GUIDs in .NET and in RFC 4122 byte order
	zeroRPID            int // server SESSION_CAPABILITY with an empty RPID
}

// fixtureResult is what TestReplayFixtures checked for one recording.
type fixtureResult struct {
	client, server sideStats
	groups         int // client fragment groups re-fragmented byte for byte
	resets         int // times the recorded object ids restarted
	serverGroups   int // server payloads re-fragmented byte for byte
	serverResets   int // times the server's object ids did not follow on
	serverSplit    int // server payloads ending inside a message (none so far)
}

// TestReplayFixtures decodes every PSRP payload of every recording: each
// fragment decodes, fragments reassemble per ObjectId and shell, every
// message header has a known type and the right destination, its RPID and
// PID match the ShellId and CommandId, and re-encoding the message gives the
// recorded bytes (BOM included). The client's messages, re-fragmented by a
// Fragmenter at the payload size derived from the request's MaxEnvelopeSize,
// give the recorded payloads byte for byte. The per-fixture message-type
// counts are kept in testdata/replay_counts.golden (-update rewrites it).
func TestReplayFixtures(t *testing.T) {
	files := loadFixtures(t)
	var table strings.Builder
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f.Path), ".yml")
		t.Run(name, func(t *testing.T) {
			res := replayFile(t, f)
			writeCounts(&table, name, res)
		})
	}
	checkGolden(t, "replay_counts.golden", table.String())
}

// checkGolden compares got with testdata/name, or rewrites the file under
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading %s (run with -update to create): %v", golden, err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", golden, diff)
	}
}

// clientGroup is the run of client payloads one pypsrp call produced: it
// starts with a payload whose first fragment starts an object while no
// object of the shell is pending, and holds the messages started in it.
type clientGroup struct {
	shell    string
	envSize  int
	payloads [][]byte
	msgs     [][]byte
	first    uint64
	open     bool
}

func replayFile(t *testing.T, f *replay.File) fixtureResult {
	res := fixtureResult{
		client: sideStats{types: map[psrp.MessageType]int{}},
		server: sideStats{types: map[psrp.MessageType]int{}},
	}
	reasm := map[string]*psrp.Reassembler{} // "c "+shell or "s "+shell
	groups := map[string]*clientGroup{}
	var done, serverGroups []*clientGroup
	// Windows assigns its own ShellId and CommandId under protocol 2.1 (and
	// may at any version); the message header keeps the client's RPID and
	// PID, so server ids are mapped back to the ids the client asked for.
	alias := map[string]string{}
	canon := func(id string) string {
		if a, ok := alias[id]; ok {
			return a
		}
		return id
	}
	for _, x := range f.Exchanges {
		req := x.Request
		if resp := x.Response; resp != nil && !resp.IsFault() {
			if req.Action == replay.ActionCreate && resp.ShellID != "" && req.ShellID != "" {
				alias[resp.ShellID] = req.ShellID
			}
			if req.Action == replay.ActionCommand && resp.CommandID != "" && req.CommandID != "" {
				alias[resp.CommandID] = req.CommandID
			}
		}
		reqShell := canon(req.ShellID)
		for _, p := range req.Payloads {
			if len(p.Data) == 0 {
				continue
			}
			cmdID := canon(p.CommandID)
			if p.Element == "Arguments" {
				cmdID = canon(req.CommandID)
			}
			msgs := feed(t, reasm, "c "+reqShell, p.Data, &res.client)
			for _, m := range msgs {
				checkMessage(t, m, psrp.DestinationServer, reqShell, cmdID, &res.client)
			}
			g := groups[reqShell]
			frags, _ := psrp.DecodeFragments(p.Data)
			if g == nil || (frags[0].Start && !g.open) {
				g = &clientGroup{shell: reqShell, envSize: req.MaxEnvelopeSize, first: frags[0].ObjectID}
				groups[reqShell] = g
				done = append(done, g)
			}
			g.payloads = append(g.payloads, p.Data)
			for _, m := range msgs {
				g.msgs = append(g.msgs, encode(m))
			}
			g.open = reasm["c "+reqShell].Pending() > 0
		}
		if x.Response == nil {
			continue
		}
		resp := x.Response
		shell := canon(resp.ShellID)
		if shell == "" {
			shell = reqShell
		}
		for _, p := range resp.Payloads {
			if len(p.Data) == 0 {
				continue
			}
			msgs := feed(t, reasm, "s "+shell, p.Data, &res.server)
			for _, m := range msgs {
				checkMessage(t, m, psrp.DestinationClient, shell, canon(p.CommandID), &res.server)
			}
			if reasm["s "+shell].Pending() == 0 {
				frags, _ := psrp.DecodeFragments(p.Data)
				g := &clientGroup{shell: shell, envSize: req.MaxEnvelopeSize, first: frags[0].ObjectID, payloads: [][]byte{p.Data}}
				for _, m := range msgs {
					g.msgs = append(g.msgs, encode(m))
				}
				serverGroups = append(serverGroups, g)
			} else {
				res.serverSplit++
			}
		}
	}
	for key, r := range reasm {
		if r.Pending() != 0 {
			t.Errorf("%s: %d objects never completed", key, r.Pending())
		}
	}
	res.groups, res.resets = refragment(t, done)
	res.serverGroups, res.serverResets = refragment(t, serverGroups)
	if d, r := res.client.dotnet+res.server.dotnet, res.client.rfc+res.server.rfc; d > 0 && r > 0 {
		t.Errorf("GUIDs in both byte orders: %d .NET, %d RFC 4122", d, r)
	}
	return res
}

func feed(t *testing.T, reasm map[string]*psrp.Reassembler, key string, data []byte, st *sideStats) []psrp.Message {
	t.Helper()
	r := reasm[key]
	if r == nil {
		var err error
		if r, err = psrp.NewReassembler(psrp.ReassemblerConfig{}); err != nil {
			t.Fatal(err)
		}
		reasm[key] = r
	}
	frags, err := psrp.DecodeFragments(data)
	if err != nil {
		t.Fatalf("%s: decoding fragments: %v", key, err)
	}
	st.payloads++
	st.fragments += len(frags)
	raws, err := r.Feed(data)
	if err != nil {
		t.Fatalf("%s: reassembling: %v", key, err)
	}
	var out []psrp.Message
	for _, raw := range raws {
		m, err := psrp.DecodeMessage(raw)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if got := encode(m); !bytes.Equal(got, raw) {
			t.Errorf("%s: %s re-encodes differently", key, m.Type)
		}
		out = append(out, m)
	}
	return out
}

// rfcGUID is the GUID whose wire bytes are id's RFC 4122 bytes: how the
// recordings' client (pypsrp before 0.4) wrote RPID and PID.
func rfcGUID(t *testing.T, id string) psrp.GUID {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	if err != nil || len(b) != 16 {
		t.Fatalf("id %q: %v", id, err)
	}
	return psrp.GUID(b)
}

func checkMessage(t *testing.T, m psrp.Message, dest psrp.Destination, shell, cmd string, st *sideStats) {
	t.Helper()
	st.types[m.Type]++
	if m.Destination != dest {
		t.Errorf("%s: destination %s, want %s", m.Type, m.Destination, dest)
	}
	if want := dest == psrp.DestinationClient; m.BOM != want {
		t.Errorf("%s to %s: BOM %v", m.Type, dest, m.BOM)
	}
	if dest == psrp.DestinationClient && m.RPID.IsZero() && (m.Type == psrp.SessionCapability || m.Type == psrp.EncryptedSessionKey) {
		st.zeroRPID++ // Windows leaves these two messages' RPID empty
	} else if shell != "" {
		st.order(t, m.Type.String()+" RPID", m.RPID, shell)
	}
	if cmd != "" {
		st.order(t, m.Type.String()+" PID", m.PID, cmd)
	}
}

// order checks that g is id in .NET or RFC 4122 byte order and counts which.
func (st *sideStats) order(t *testing.T, what string, g psrp.GUID, id string) {
	t.Helper()
	dotnet, err := psrp.ParseGUID(id)
	if err != nil {
		t.Fatal(err)
	}
	switch g {
	case dotnet:
		st.dotnet++
	case rfcGUID(t, id):
		st.rfc++
	default:
		t.Errorf("%s % X is %s in neither byte order", what, g[:], id)
	}
}

func encode(m psrp.Message) []byte {
	b, err := m.MarshalBinary()
	if err != nil {
		panic(err) // MarshalBinary never fails
	}
	return b
}

// refragment re-fragments each client group with a Fragmenter per shell and
// compares the payloads with the recorded ones.
func refragment(t *testing.T, groups []*clientGroup) (checked, resets int) {
	t.Helper()
	frs := map[string]*psrp.Fragmenter{}
	for i, g := range groups {
		size, err := psrp.MaxPayloadSize(g.envSize, psrp.DefaultEnvelopeOverhead)
		if err != nil {
			t.Fatal(err)
		}
		fr := frs[g.shell]
		if fr == nil {
			if fr, err = psrp.NewFragmenter(size); err != nil {
				t.Fatal(err)
			}
			frs[g.shell] = fr
		}
		if err := fr.SetMaxPayloadSize(size); err != nil {
			t.Fatal(err)
		}
		if fr.NextObjectID() != g.first {
			resets++
			t.Logf("shell %s: object id %d, expected %d", g.shell, g.first, fr.NextObjectID())
			fr.SetNextObjectID(g.first)
		}
		got := fr.Fragment(g.msgs...)
		if !cmp.Equal(got, g.payloads) {
			t.Errorf("group %d (shell %s, %d messages, MaxEnvelopeSize %d): payload sizes %v, recorded %v",
				i, g.shell, len(g.msgs), g.envSize, lens(got), lens(g.payloads))
			continue
		}
		checked++
	}
	return checked, resets
}

func lens(ps [][]byte) []int {
	out := make([]int, len(ps))
	for i, p := range ps {
		out[i] = len(p)
	}
	return out
}

func writeCounts(w *strings.Builder, name string, r fixtureResult) {
	order := ".NET"
	if r.client.rfc+r.server.rfc > 0 {
		order = "RFC 4122"
	}
	fmt.Fprintf(w, "%s: client %d payloads %d fragments; server %d payloads %d fragments; %d client groups re-fragmented, %d object-id restarts; %d server payloads re-fragmented, %d object-id jumps, %d split; GUIDs in %s order, %d server messages with an empty RPID\n",
		name, r.client.payloads, r.client.fragments, r.server.payloads, r.server.fragments, r.groups, r.resets,
		r.serverGroups, r.serverResets, r.serverSplit, order, r.server.zeroRPID)
	for _, side := range []struct {
		dir string
		st  sideStats
	}{{"  client", r.client}, {"  server", r.server}} {
		var names []string
		for typ, n := range side.st.types {
			names = append(names, fmt.Sprintf("%s=%d", typ, n))
		}
		sort.Strings(names)
		fmt.Fprintf(w, "%s: %s\n", side.dir, strings.Join(names, " "))
	}
}

// TestSmallMessageSizeSplit pins the payload-size formula to the one
// recording whose client messages needed more than one fragment:
// test_psrp_small_msg_size (MaxEnvelopeSize 32768) sent a CREATE_PIPELINE
// of 32397 bytes as a full 23326-byte payload in the Command and the rest
// in a Send. The derived size reproduces that split; one byte more or less
// does not.
func TestSmallMessageSizeSplit(t *testing.T) {
	loadFixtures(t)
	f, err := replay.Load(filepath.Join(fixtureDir, "test_psrp_small_msg_size.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded [][]byte
	for _, x := range f.Exchanges {
		if x.Request.Action == replay.ActionCommand || (x.Request.Action == replay.ActionSend && len(recorded) == 1) {
			recorded = append(recorded, x.Request.Payloads[0].Data)
		}
	}
	if len(recorded) != 2 {
		t.Fatalf("found %d pipeline payloads, want the Command's and one Send's", len(recorded))
	}
	r, _ := psrp.NewReassembler(psrp.ReassemblerConfig{})
	var msg []byte
	for _, p := range recorded {
		out, err := r.Feed(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) == 1 {
			msg = out[0]
		}
	}
	if msg == nil {
		t.Fatal("the two payloads do not complete a message")
	}
	size, err := psrp.MaxPayloadSize(32768, psrp.DefaultEnvelopeOverhead)
	if err != nil {
		t.Fatal(err)
	}
	if size != len(recorded[0]) {
		t.Errorf("derived payload size %d, recorded first payload %d bytes", size, len(recorded[0]))
	}
	frags, _ := psrp.DecodeFragments(recorded[0])
	for _, delta := range []int{0, -1, 1} {
		fr, err := psrp.NewFragmenter(size + delta)
		if err != nil {
			t.Fatal(err)
		}
		fr.SetNextObjectID(frags[0].ObjectID)
		got := fr.Fragment(msg)
		if same := cmp.Equal(got, recorded); same != (delta == 0) {
			t.Errorf("payload size %d: reproduces the recording = %v", size+delta, same)
		}
	}
}
