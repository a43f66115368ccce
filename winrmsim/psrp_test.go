package winrmsim_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/backend/remoting"
	wsmanc "github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
	"github.com/psgate/psgate/winrmsim"
)

// psrpTransports are the ways remoting reaches the simulator: HTTPS with
// Basic, and plain HTTP with NTLM sealing every body. Posts on one
// wsman.Client are serialised, so Stop waits for the pending Receive: a
// short OperationTimeout lets it through within a second.
var psrpTransports = []struct {
	name, auth string
	tls        bool
}{
	{"https-basic", "basic", true},
	{"http-ntlm-sealed", "negotiate", false},
}

func openPool(t *testing.T, s *winrmsim.Server, tls bool, auth, configuration string) (*remoting.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return remoting.Open(ctx, remoting.Config{Configuration: configuration, CloseCommands: true,
		Shell: wsmanc.ShellOptions{OperationTimeout: time.Second},
		Endpoint: wsmanc.Endpoint{Host: s.Host(), Port: s.Port(), HTTPS: tls, CACertPEM: s.CertPEM(),
			TLSServerName: "localhost", Auth: auth, OperationTimeout: time.Second, Username: "alice", Password: "S3cret!"}})
}

// result is what one pipeline produced.
type result struct {
	Output []string
	Errors []string
	State  psrp.PipelineStateValue
}

func invoke(t *testing.T, c *remoting.Client, script string, started func(*psrp.Pipeline)) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var r result
	st, _, err := c.Invoke(ctx, remoting.Invocation{Pipeline: psrp.PipelineConfig{PowerShell: psrp.Script(script, false)},
		Started: started,
		OnEvent: func(ev psrp.Event) {
			switch e := ev.(type) {
			case psrp.OutputEvent:
				r.Output = append(r.Output, valueText(e.Value))
			case psrp.RecordEvent:
				if er, ok := e.Record.(*psrp.ErrorRecordMsg); ok {
					r.Errors = append(r.Errors, er.FullyQualifiedErrorID)
				}
			}
		}})
	if err != nil {
		t.Fatalf("invoke %q: %v", script, err)
	}
	r.State = st
	return r
}

func valueText(v clixml.Value) string {
	switch x := v.(type) {
	case clixml.String:
		return string(x)
	case clixml.Int32:
		return fmt.Sprint(int32(x))
	case clixml.DateTime:
		return "DT"
	}
	return "?"
}

func TestPSRPRunspace(t *testing.T) {
	for _, tr := range psrpTransports {
		t.Run(tr.name, func(t *testing.T) {
			s := newNTLMSim(t, tr.tls, 0)
			c, err := openPool(t, s, tr.tls, tr.auth, "")
			if err != nil {
				t.Fatalf("open Microsoft.PowerShell: %v", err)
			}
			if v, ok := psrp.Lookup(c.Pool().ApplicationPrivateData(), "PSVersionTable"); !ok || v == nil {
				t.Errorf("no PSVersionTable in the application private data")
			}
			tests := []struct {
				script string
				want   result
			}{
				{"Get-Date", result{Output: []string{"DT"}, State: psrp.PipelineCompleted}},
				{"'a','b'", result{Output: []string{"a", "b"}, State: psrp.PipelineCompleted}},
				{"Get-Item nope", result{Errors: []string{"PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand"}, State: psrp.PipelineCompleted}},
				{"$x = 'kept'", result{State: psrp.PipelineCompleted}},
				{"$x", result{Output: []string{"kept"}, State: psrp.PipelineCompleted}},
				{"throw 'boom'", result{State: psrp.PipelineFailed}},
			}
			for _, tc := range tests {
				if got := invoke(t, c, tc.script, nil); !cmp.Equal(got, tc.want) {
					t.Errorf("%q: %s", tc.script, cmp.Diff(tc.want, got))
				}
			}
			stopped := invoke(t, c, "Start-Sleep 30", func(pl *psrp.Pipeline) {
				go func() {
					time.Sleep(300 * time.Millisecond)
					if err := c.Stop(context.Background(), pl); err != nil {
						t.Errorf("stop: %v", err)
					}
				}()
			})
			if stopped.State != psrp.PipelineStopped {
				t.Errorf("Start-Sleep 30 after Stop: state %v, want Stopped", stopped.State)
			}
			if got := invoke(t, c, "$x", nil); !cmp.Equal(got.Output, []string{"kept"}) {
				t.Errorf("runspace after Stop: $x = %v, want [kept]", got.Output)
			}
			if err := c.Close(context.Background()); err != nil {
				t.Errorf("close: %v", err)
			}
			if n := s.OpenShells(); n != 0 {
				t.Errorf("%d shells open after Close", n)
			}
		})
	}
}

func TestPSRPUnknownConfiguration(t *testing.T) {
	s := newNTLMSim(t, true, 0)
	_, err := openPool(t, s, true, "basic", "NoSuchEndpoint")
	if !errors.Is(err, wsmanc.ErrUnknownConfiguration) {
		t.Fatalf("open NoSuchEndpoint: %v, want ErrUnknownConfiguration", err)
	}
}

// TestPSRPLargeOutput: an object larger than an envelope arrives whole,
// fragmented over several Receive replies.
func TestPSRPLargeOutput(t *testing.T) {
	s := newNTLMSim(t, true, 0)
	c, err := openPool(t, s, true, "basic", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	got := invoke(t, c, "'x' * 400000", nil)
	if len(got.Output) != 1 || len(got.Output[0]) != 400000 || got.State != psrp.PipelineCompleted {
		t.Errorf("'x' * 400000: %d objects, state %v", len(got.Output), got.State)
	}
}

// TestPSRPEndpoints: Config.Endpoints replaces the default configuration.
func TestPSRPEndpoints(t *testing.T) {
	s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "S3cret!"}, TLS: true,
		Endpoints: map[string]winrmsim.Endpoint{"HelpDesk": {}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c, err := openPool(t, s, true, "basic", "HelpDesk")
	if err != nil {
		t.Fatalf("open HelpDesk: %v", err)
	}
	_ = c.Close(context.Background())
	if _, err := openPool(t, s, true, "basic", "Microsoft.PowerShell"); !errors.Is(err, wsmanc.ErrUnknownConfiguration) {
		t.Errorf("open Microsoft.PowerShell where only HelpDesk is declared: %v, want ErrUnknownConfiguration", err)
	}
}

// TestPSRPStopUnread: a pipeline stopped without its output ever being
// received frees the runspace; the next pipeline runs at once.
func TestPSRPStopUnread(t *testing.T) {
	s := newNTLMSim(t, true, 0)
	c, err := openPool(t, s, true, "basic", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pl, err := c.Start(ctx, remoting.Invocation{Pipeline: psrp.PipelineConfig{PowerShell: psrp.Script("Start-Sleep 30", false)}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := c.Stop(ctx, pl); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if got := invoke(t, c, "'next'", nil); !cmp.Equal(got.Output, []string{"next"}) || time.Since(start) > 5*time.Second {
		t.Errorf("next pipeline: %v after %v", got.Output, time.Since(start))
	}
}
