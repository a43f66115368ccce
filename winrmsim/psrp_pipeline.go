package winrmsim

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
	"github.com/psgate/psgate/winrmsim/pwsh"
)

// psrpStream is the process behind a PSRP command (a pipeline, or the
// pool's own stream): Write takes the client's fragments, Output gives the
// server's payloads, one chunk each, so the shared command machinery
// (Receive long poll, takeEnvelope, Signal) serves PSRP as it serves cmd.
type psrpStream struct {
	out     chan chunk
	codec   *psrp.Codec // the client's fragments on stdin
	onMsg   func(psrp.Message)
	stop    func()      // ctrl_c
	running atomic.Bool // the pipeline holds the runspace: only then may stop reach it
	mu      sync.Mutex
	closed  bool
	closeFn func()
}

func newPSRPStream(closeFn func(), onMsg func(psrp.Message)) *psrpStream {
	codec, _ := psrp.NewCodec(psrp.CodecConfig{})
	return &psrpStream{out: make(chan chunk, 1024), codec: codec, onMsg: onMsg, closeFn: closeFn}
}

// send queues payloads; it drops them once the stream is closed.
func (st *psrpStream) send(chunks []chunk) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, c := range chunks {
		if st.closed {
			return
		}
		st.out <- c
	}
}

// finish closes the output: the command is Done.
func (st *psrpStream) finish() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.closed {
		st.closed = true
		close(st.out)
	}
}

func (st *psrpStream) Write(b []byte) (int, error) {
	msgs, _ := st.codec.Decode(b)
	for _, m := range msgs {
		if st.onMsg != nil {
			st.onMsg(m)
		}
	}
	return len(b), nil
}

func (st *psrpStream) CloseStdin() {}

func (st *psrpStream) Interrupt() {
	if st.stop != nil && st.running.Load() {
		st.stop()
	}
}

// Kill is Signal terminate (or the pool's end): a running pipeline is
// stopped first, so that the runspace is free for the next one.
func (st *psrpStream) Kill() {
	st.Interrupt()
	if st.closeFn != nil {
		st.closeFn()
	}
	st.finish()
}

func (st *psrpStream) Output() <-chan chunk { return st.out }
func (st *psrpStream) ExitCode() int        { return 0 }

// pipelineCommand starts a pipeline: the Command's argument is the first
// payload of CREATE_PIPELINE; the rest may follow on stdin.
func (s *Server) pipelineCommand(user string, sh *shell, req *request) (int, string) {
	if !s.admitCommand(user, sh) {
		return s.fault(req, faultMaxOps, s.cfg.MaxOperationsPerUser)
	}
	id := strings.ToUpper(req.CommandID)
	if id == "" {
		id = newGUID()
	}
	p := sh.pool
	var st *psrpStream
	var started sync.Once
	st = newPSRPStream(nil, func(m psrp.Message) {
		if m.Type != psrp.CreatePipeline {
			return
		}
		started.Do(func() { p.startPipeline(st, m) })
	})
	st.stop = p.rs.Stop
	c := &command{id: id, proc: st, notify: make(chan struct{}), whole: true}
	if !s.register(sh, c) {
		return s.fault(req, faultUnknownShell, sh.id)
	}
	for _, a := range req.Arguments {
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(a)); err == nil {
			_, _ = st.Write(b)
		}
	}
	return commandResponse(req, c.id)
}

// startPipeline runs the pipeline CREATE_PIPELINE describes; one that does
// not decode fails at once.
func (p *psrpPool) startPipeline(st *psrpStream, m psrp.Message) {
	body, err := psrp.DecodeBody(m)
	cp, ok := body.(psrp.CreatePipelineMsg)
	if err != nil || !ok {
		st.send(p.encode(m.PID, psrp.PipelineStateMsg{State: psrp.PipelineFailed,
			Error: &psrp.ErrorRecordMsg{Message: "The pipeline could not be created.", Text: "The pipeline could not be created."}}))
		st.finish()
		return
	}
	go p.runPipeline(st, m.PID, script(cp.PowerShell))
}

// runPipeline runs the script in the pool's runspace and streams its
// output, errors and final state.
func (p *psrpPool) runPipeline(st *psrpStream, pid psrp.GUID, src string) {
	p.run.Lock()
	defer p.run.Unlock()
	defer st.finish()
	st.running.Store(true)
	defer st.running.Store(false)
	var failed *psrp.ErrorRecordMsg
	stopped := p.rs.Run(src, pwsh.Sink{
		Output: func(v any) {
			st.send(p.encode(pid, psrp.DataMsg{Type: psrp.PipelineOutput, Data: toCLIXML(v)}))
		},
		Host: func(s string) {
			for _, line := range strings.Split(strings.TrimRight(s, "\r\n"), "\n") {
				st.send(p.encode(pid, psrp.DataMsg{Type: psrp.PipelineOutput, Data: clixml.String(strings.TrimSuffix(line, "\r"))}))
			}
		},
		Error: func(e pwsh.ErrorRecord) {
			rec := errorRecord(e)
			if e.Terminating {
				failed = rec
				return
			}
			st.send(p.encode(pid, rec))
		},
	})
	switch {
	case stopped:
		st.send(p.encode(pid, psrp.PipelineStateMsg{State: psrp.PipelineStopped, Error: &psrp.ErrorRecordMsg{
			Message: "The pipeline has been stopped.", ExceptionType: "System.Management.Automation.PipelineStoppedException",
			Text: "The pipeline has been stopped.", FullyQualifiedErrorID: "PipelineStopped", Category: 14,
			CategoryReason: "PipelineStoppedException", CategoryMessage: "OperationStopped: (:) [], PipelineStoppedException"}}))
	case failed != nil:
		st.send(p.encode(pid, psrp.PipelineStateMsg{State: psrp.PipelineFailed, Error: failed}))
	default:
		st.send(p.encode(pid, psrp.PipelineStateMsg{State: psrp.PipelineCompleted}))
	}
}

// script is the PowerShell text of a pipeline's statements: a script
// command as written, a command with its parameters.
func script(ps psrp.PowerShell) string {
	var stmts []string
	for _, cmds := range ps.Statements {
		var parts []string
		for _, c := range cmds {
			parts = append(parts, commandText(c))
		}
		stmts = append(stmts, strings.Join(parts, " | "))
	}
	return strings.Join(stmts, "; ")
}

func commandText(c psrp.Command) string {
	if c.IsScript {
		return c.Name
	}
	s := c.Name
	for _, a := range c.Args {
		if a.Name != "" {
			s += " -" + a.Name
			if _, sw := a.Value.(clixml.Nil); sw || a.Value == nil {
				continue
			}
			s += ":"
		}
		s += " " + literal(a.Value)
	}
	return s
}

// literal writes a parameter value as a PowerShell literal.
func literal(v clixml.Value) string {
	switch x := v.(type) {
	case clixml.String:
		return "'" + strings.ReplaceAll(string(x), "'", "''") + "'"
	case clixml.Bool:
		if x {
			return "$true"
		}
		return "$false"
	case clixml.Int32, clixml.Int64, clixml.Double:
		return strings.Trim(clixmlText(x), " ")
	}
	return "$null"
}

func clixmlText(v clixml.Value) string {
	switch x := v.(type) {
	case clixml.Int32:
		return itoa(int64(x))
	case clixml.Int64:
		return itoa(int64(x))
	case clixml.Double:
		return strings.TrimRight(strings.TrimRight(ftoa(float64(x)), "0"), ".")
	}
	return ""
}

// toCLIXML serializes an output object as PowerShell does: Int32 when it
// fits, DateTime with the local offset, other objects as their string.
func toCLIXML(v any) clixml.Value {
	switch x := v.(type) {
	case nil:
		return clixml.Nil{}
	case bool:
		return clixml.Bool(x)
	case int64:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return clixml.Int32(x)
		}
		return clixml.Int64(x)
	case float64:
		return clixml.Double(x)
	case time.Time:
		return clixml.DateTime{Time: x, Kind: clixml.Local}
	case string:
		return clixml.String(x)
	}
	return clixml.Nil{}
}

// errorRecord is the ERROR_RECORD of an error the runspace wrote.
func errorRecord(e pwsh.ErrorRecord) *psrp.ErrorRecordMsg {
	cat, reason := e.Category, ""
	if i := strings.LastIndex(cat, ", "); i >= 0 {
		reason = cat[i+2:]
	}
	name, _, _ := strings.Cut(cat, ":")
	return &psrp.ErrorRecordMsg{Text: e.Message, Message: e.Message, ExceptionType: exceptionType(reason),
		FullyQualifiedErrorID: e.ID, Category: categoryNumber(name), CategoryReason: reason,
		CategoryActivity: e.Command, CategoryMessage: cat, PositionMessage: e.Text}
}

func exceptionType(reason string) string {
	switch reason {
	case "ItemNotFoundException", "CommandNotFoundException", "ParameterBindingException", "RuntimeException":
		return "System.Management.Automation." + reason
	case "":
		return "System.Exception"
	}
	return "System.Management.Automation." + reason
}

// categoryNumber is System.Management.Automation.ErrorCategory's value.
func categoryNumber(name string) int32 {
	names := []string{"NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument",
		"InvalidData", "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented",
		"NotInstalled", "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError",
		"PermissionDenied", "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError",
		"FromStdErr", "SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded",
		"QuotaExceeded", "NotEnabled"}
	for i, n := range names {
		if n == strings.TrimSpace(name) {
			return int32(i)
		}
	}
	return 0
}

func itoa(n int64) string   { return strconv.FormatInt(n, 10) }
func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
