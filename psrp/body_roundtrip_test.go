package psrp_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
)

// gen makes random typed bodies.
type gen struct{ r *rand.Rand }

func (g gen) str() string {
	const alphabet = "abc XYZ_-<>&\"'\x01é漢😀\n"
	rs := []rune(alphabet)
	n := g.r.IntN(12)
	out := make([]rune, n)
	for i := range out {
		out[i] = rs[g.r.IntN(len(rs))]
	}
	return string(out)
}

func (g gen) i32() int32   { return int32(g.r.Uint32()) }
func (g gen) small() int32 { return int32(g.r.IntN(16)) }
func (g gen) bool() bool   { return g.r.IntN(2) == 0 }

func (g gen) value() clixml.Value {
	switch g.r.IntN(4) {
	case 0:
		return clixml.String(g.str())
	case 1:
		return clixml.Int32(g.i32())
	case 2:
		return clixml.Bool(g.bool())
	}
	return nil
}

func (g gen) version() clixml.Version {
	return clixml.Version{Major: g.small(), Minor: g.small(), Build: -1, Revision: -1}
}

func (g gen) host() psrp.HostInfo {
	if g.bool() {
		return psrp.NullHost()
	}
	h := psrp.HostInfo{IsHostRawUINull: g.bool()}
	if g.bool() {
		h.Defaults = &psrp.HostDefaultData{ForegroundColor: psrp.ConsoleColor(g.small()), BackgroundColor: psrp.ConsoleColor(g.small()),
			CursorPosition: psrp.Coordinates{X: g.i32(), Y: g.i32()}, CursorSize: g.i32(),
			BufferSize: psrp.Size{Width: g.i32(), Height: g.i32()}, MaxPhysicalWindowSize: psrp.Size{Width: 1, Height: 2}, WindowTitle: g.str()}
	}
	return h
}

func (g gen) command() psrp.Command {
	c := psrp.Command{Name: g.str(), IsScript: g.bool(), MergeMyResult: psrp.PipelineResultTypes(g.r.IntN(9)),
		MergeToResult: psrp.PipelineResultTypes(g.r.IntN(9)), MergeError: psrp.ResultOutput, MergeInformation: psrp.ResultNull}
	if g.bool() {
		c.MergePreviousResults = psrp.ResultOutput | psrp.ResultError
	}
	if g.bool() {
		c.UseLocalScope = ptrTo(g.bool())
	}
	for range g.r.IntN(3) {
		p := psrp.Parameter{Value: g.value()}
		if g.bool() {
			p.Name = g.str() + "n"
		}
		c.Args = append(c.Args, p)
	}
	return c
}

func (g gen) errorRecord() *psrp.ErrorRecordMsg {
	return &psrp.ErrorRecordMsg{Text: "t" + g.str(), Message: g.str(), ExceptionType: "E" + g.str(), FullyQualifiedErrorID: g.str(),
		Category: g.small(), CategoryActivity: g.str(), CategoryReason: g.str(), CategoryMessage: g.str(), TargetObject: g.value()}
}

func (g gen) body() psrp.Body {
	switch g.r.IntN(16) {
	case 0:
		return psrp.SessionCapabilityMsg{ProtocolVersion: g.version(), PSVersion: g.version(), SerializationVersion: clixml.Version{Major: 1, Minor: 1, Build: 0, Revision: 1}}
	case 1:
		m := psrp.InitRunspacePoolMsg{MinRunspaces: g.i32(), MaxRunspaces: g.i32(), ThreadOptions: psrp.PSThreadOptions(g.r.IntN(4)),
			ApartmentState: psrp.ApartmentState(g.r.IntN(3)), Host: g.host()}
		if g.bool() {
			m.ApplicationArguments = psrp.PrimitiveDictionary(clixml.Entry{Key: clixml.String(g.str()), Value: clixml.String(g.str())})
		}
		return m
	case 2:
		m := psrp.RunspacePoolStateMsg{State: psrp.RunspacePoolStateValue(g.r.IntN(10))}
		if g.bool() {
			m.Error = g.errorRecord()
		}
		return m
	case 3:
		protos := []clixml.Version{{Major: 2, Minor: 1, Build: -1, Revision: -1}, {Major: 2, Minor: 2, Build: -1, Revision: -1}, {Major: 2, Minor: 3, Build: -1, Revision: -1}}
		m := psrp.CreatePipelineMsg{NoInput: g.bool(), ApartmentState: psrp.ApartmentUnknown, RemoteStreamOptions: psrp.AddInvocationInfo,
			AddToHistory: g.bool(), Host: g.host(), IsNested: g.bool(), Protocol: protos[g.r.IntN(3)]}
		for range 1 + g.r.IntN(3) {
			var st []psrp.Command
			for range 1 + g.r.IntN(2) {
				st = append(st, g.command())
			}
			m.PowerShell.Statements = append(m.PowerShell.Statements, st)
		}
		if m.Protocol.Minor < 3 {
			for _, st := range m.PowerShell.Statements {
				for i := range st {
					st[i].MergeInformation = 0
					if m.Protocol.Minor < 2 {
						st[i].MergeError = 0
					}
				}
			}
		}
		if g.bool() {
			m.PowerShell.History = ptrTo(g.str())
		}
		return m
	case 4:
		m := psrp.PipelineStateMsg{State: psrp.PipelineStateValue(g.r.IntN(7))}
		if g.bool() {
			m.Error = g.errorRecord()
		}
		return m
	case 5:
		m := psrp.HostCallMsg{Pipeline: g.bool(), CallID: int64(g.i32()), Method: psrp.HostMethod(1 + g.r.IntN(56))}
		for range g.r.IntN(3) {
			if v := g.value(); v != nil {
				m.Params = append(m.Params, v)
			}
		}
		return m
	case 6:
		return psrp.HostResponseMsg{Pipeline: g.bool(), CallID: int64(g.i32()), Method: psrp.HostMethod(1 + g.r.IntN(56)), Result: g.value()}
	case 7:
		return psrp.SetRunspacesMsg{Max: g.bool(), Count: g.i32(), CallID: g.r.Int64()}
	case 8:
		return psrp.CallIDMsg{Type: []psrp.MessageType{psrp.GetAvailableRunspaces, psrp.ResetRunspaceState}[g.r.IntN(2)], CallID: g.r.Int64()}
	case 9:
		var v clixml.Value = clixml.Bool(g.bool())
		if g.bool() {
			v = clixml.Int64(g.r.Int64())
		}
		return psrp.RunspaceAvailabilityMsg{CallID: g.r.Int64(), Response: v}
	case 10:
		m := &psrp.ProgressRecordMsg{Activity: g.str(), ActivityID: g.i32(), StatusDescription: g.str(), ParentActivityID: g.i32(),
			PercentComplete: g.i32(), Completed: g.bool(), SecondsRemaining: g.i32()}
		if g.bool() {
			m.CurrentOperation = ptrTo(g.str())
		}
		return m
	case 11:
		return &psrp.InformationalRecordMsg{Type: []psrp.MessageType{psrp.DebugRecord, psrp.VerboseRecord, psrp.WarningRecord}[g.r.IntN(3)], Message: "m" + g.str()}
	case 12:
		return psrp.GetCommandMetadataMsg{Names: []string{g.str()}, CommandType: g.i32(), Namespace: []string{g.str(), g.str()}}
	case 13:
		return psrp.PublicKeyMsg{Blob: []byte(g.str())}
	case 14:
		return psrp.RunspacePoolInitDataMsg{MinRunspaces: g.i32(), MaxRunspaces: g.i32()}
	}
	return psrp.DataMsg{Type: psrp.PipelineOutput, Data: clixml.String(g.str())}
}

// TestBodyRoundTrip: random typed bodies, encoded into messages and
// decoded, come back equal (Raw, the decoded object a record keeps, aside).
func TestBodyRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(8, 2026))}
	opts := cmp.Options{cmpopts.EquateEmpty(),
		cmpopts.IgnoreFields(psrp.ErrorRecordMsg{}, "Raw"), cmpopts.IgnoreFields(psrp.InformationalRecordMsg{}, "Raw")}
	for i := range 2000 {
		want := g.body()
		m, err := psrp.NewMessage(psrp.DestinationClient, psrp.GUID{1}, psrp.GUID{2}, want)
		if err != nil {
			t.Fatalf("%d: %T: %v", i, want, err)
		}
		raw, _ := m.MarshalBinary()
		m2, err := psrp.DecodeMessage(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := psrp.DecodeBody(m2)
		if err != nil {
			t.Fatalf("%d: %T: %v\n%s", i, want, err, m.Data)
		}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Fatalf("%d: %T round trip (-want +got):\n%s\n%s", i, want, diff, m.Data)
		}
	}
}
