package winrmsim

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psgate/psgate/winrmsim/pwsh"
)

type shell struct {
	id, owner string
	codepage  int           // WINRS_CODEPAGE of the Create request (437 when absent, as Windows)
	idle      time.Duration // IdleTimeOut: the Create's rsp:IdleTimeOut, else Config.IdleTimeout
	expired   chan struct{} // closed when the shell expires: pending Receives get the unknown-shell fault

	mu       sync.Mutex
	cmds     map[string]*command
	ops      int         // Commands started; a terminate Signal does not give them back (quota.go)
	active   int         // requests in progress (the shell is not idle while one runs)
	served   int         // requests served (Faults.ExpireShells)
	gen      uint64      // idle timer generation: a timer of an older one is stale
	stopIdle func() bool // the armed idle timer's stop
	dead     bool        // deleted or expired
	pool     *psrpPool   // a PowerShell shell's runspace pool (psrp_pool.go); nil for cmd
}

type command struct {
	id      string
	proc    process
	mu      sync.Mutex
	pending []chunk
	done    bool
	code    int
	notify  chan struct{} // closed and replaced on every change
	whole   bool          // PSRP: each chunk is a payload of whole fragments, never split across replies
}

func newShell(owner string, idle time.Duration) *shell {
	return &shell{id: newGUID(), owner: owner, codepage: 437, idle: idle,
		cmds: map[string]*command{}, expired: make(chan struct{})}
}

func (sh *shell) commandCount() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.cmds[""]; ok {
		return len(sh.cmds) - 1 // a runspace pool's own stream is no command
	}
	return len(sh.cmds)
}

// close deletes the shell: it kills every process and stops the idle timer.
func (sh *shell) close() { sh.kill(false) }

// kill marks the shell dead and kills its processes, once; expired also
// fails the Receives waiting on it.
func (sh *shell) kill(expired bool) bool {
	sh.mu.Lock()
	if sh.dead {
		sh.mu.Unlock()
		return false
	}
	sh.dead = true
	if expired {
		close(sh.expired)
	}
	if sh.stopIdle != nil {
		sh.stopIdle()
		sh.stopIdle = nil
	}
	cmds := sh.cmds
	sh.cmds = map[string]*command{}
	sh.mu.Unlock()
	for _, c := range cmds {
		c.proc.Kill()
	}
	return true
}

// pump moves the process's output to pending; exited runs when it ends.
func (c *command) pump(exited func()) {
	defer exited()
	for ch := range c.proc.Output() {
		c.mu.Lock()
		c.pending = append(c.pending, ch)
		close(c.notify)
		c.notify = make(chan struct{})
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.done = true
	c.code = c.proc.ExitCode()
	close(c.notify)
	c.notify = make(chan struct{})
	c.mu.Unlock()
}

// take returns the pending output, or with limit > 0 at most limit bytes of
// the first pending chunk (Faults.SlowOutput); done only once all is taken.
func (c *command) take(limit int) (out []chunk, done bool, code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, c.pending = c.pending, nil
	if limit > 0 && len(out) > 0 {
		first := out[0]
		c.pending = out[1:]
		if len(first.Data) > limit {
			c.pending = append([]chunk{{Stream: first.Stream, Data: first.Data[limit:]}}, c.pending...)
			first.Data = first.Data[:limit]
		}
		out = []chunk{first}
	}
	return out, c.done && len(c.pending) == 0, c.code
}

// Reply sizes: Windows never answers a Receive with an envelope larger
// than the MaxEnvelopeSize the request allows, and splits long output over
// several replies; so does the simulator (base64 4/3, per-stream markup).
const (
	defaultMaxEnvelope = 153600 // what a request without the header gets
	envelopeOverhead   = 2048   // the envelope around the streams
	streamOverhead     = 160    // one rsp:Stream element's markup
)

// takeEnvelope takes the pending output that fits one ReceiveResponse of
// at most maxEnvelope bytes (0: the default), splitting a chunk if needed.
func (c *command) takeEnvelope(maxEnvelope int) (out []chunk, done bool, code int) {
	if maxEnvelope <= 0 {
		maxEnvelope = defaultMaxEnvelope
	}
	budget := maxEnvelope - envelopeOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.pending) > 0 {
		room := (budget-streamOverhead)/4*3 - 3
		if room <= 0 {
			break
		}
		ch := c.pending[0]
		if len(ch.Data) > room && c.whole && len(out) > 0 {
			break // the next reply carries it whole
		}
		if len(ch.Data) > room {
			out = append(out, chunk{Stream: ch.Stream, Data: ch.Data[:room]})
			c.pending[0].Data = ch.Data[room:]
			break
		}
		out = append(out, ch)
		c.pending = c.pending[1:]
		budget -= streamOverhead + (len(ch.Data)+2)/3*4
	}
	if len(c.pending) == 0 {
		c.pending = nil
	}
	return out, c.done && len(c.pending) == 0, c.code
}

func (s *Server) fault(req *request, f wsmanFault, args ...any) (int, string) {
	return http.StatusInternalServerError, f.render(req.MessageID, s.cfg.Hostname, args...)
}

func (s *Server) dispatch(ctx context.Context, user string, req *request) (int, string) {
	psrpURI := strings.HasPrefix(req.ResourceURI, nsPowerShell+"/")
	if req.ResourceURI != "" && req.ResourceURI != uriCmd && !psrpURI {
		return s.fault(req, faultBadURI, req.ResourceURI)
	}
	if req.Action == actCreate && psrpURI {
		return s.createPool(user, req) // psrp_pool.go
	}
	if req.Action == actCreate {
		return s.create(user, req)
	}
	s.mu.Lock()
	sh := s.shells[req.ShellID]
	s.mu.Unlock()
	if sh == nil || sh.owner != user || !sh.begin() {
		return s.fault(req, faultUnknownShell, req.ShellID)
	}
	defer s.end(sh)
	switch req.Action {
	case actDelete:
		s.mu.Lock()
		delete(s.shells, sh.id)
		s.mu.Unlock()
		sh.close()
		return http.StatusOK, envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", req.MessageID, "")
	case actCmd:
		if sh.pool != nil {
			return s.pipelineCommand(user, sh, req) // psrp_pipeline.go
		}
		return s.command(user, sh, req)
	}
	sh.mu.Lock()
	c := sh.cmds[req.CommandID]
	sh.mu.Unlock()
	if c == nil {
		return s.fault(req, faultUnknownCommand)
	}
	switch req.Action {
	case actSend:
		b, _ := base64.StdEncoding.DecodeString(req.StdinB64)
		if len(b) > 0 {
			_, _ = c.proc.Write(b)
		}
		if req.StdinEnd {
			c.proc.CloseStdin()
		}
		return http.StatusOK, envelope(nsShell+"/SendResponse", req.MessageID, `<rsp:SendResponse/>`)
	case actSignal:
		if strings.HasSuffix(req.SignalCode, "/ctrl_c") {
			c.proc.Interrupt()
		} else {
			c.proc.Kill()
			sh.mu.Lock()
			delete(sh.cmds, c.id)
			sh.mu.Unlock()
		}
		return http.StatusOK, envelope(nsShell+"/SignalResponse", req.MessageID, `<rsp:SignalResponse/>`)
	case actRecv:
		return s.receive(ctx, sh, c, req)
	}
	return s.fault(req, faultBadAction, req.Action)
}

// create opens a shell unless a quota refuses it (quota.go).
func (s *Server) create(user string, req *request) (int, string) {
	idle := s.cfg.IdleTimeout
	if d, ok := parseSeconds(req.IdleTimeOut); ok {
		idle = d
	}
	sh := newShell(user, idle)
	if cp, err := strconv.Atoi(req.Options["WINRS_CODEPAGE"]); err == nil && (cp == 65001 || cp == 437) {
		sh.codepage = cp
	}
	if f, arg, refused := s.admitShell(sh); refused {
		return s.fault(req, f, arg)
	}
	body := `<x:ResourceCreated><a:Address>` + "http://" + s.cfg.Hostname + `:5985/wsman</a:Address><a:ReferenceParameters><w:ResourceURI>` + uriCmd +
		`</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">` + sh.id + `</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` +
		`<rsp:Shell xmlns:rsp="` + nsShell + `"><rsp:ShellId>` + sh.id + `</rsp:ShellId><rsp:ResourceUri>` + uriCmd + `</rsp:ResourceUri><rsp:Owner>` + user +
		`</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP><rsp:IdleTimeOut>` + formatSeconds(idle) + `</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
	return http.StatusOK, envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", req.MessageID, body)
}

// command starts the remote process unless the operations quota refuses it.
func (s *Server) command(user string, sh *shell, req *request) (int, string) {
	if !s.admitCommand(user, sh) {
		return s.fault(req, faultMaxOps, s.cfg.MaxOperationsPerUser)
	}
	c := &command{id: newGUID(), notify: make(chan struct{})}
	c.proc = pwsh.Start(s.ctx, req.Command, req.Arguments, pwsh.Options{
		Codepage: sh.codepage, Host: s.cfg.Hostname, User: windowsUser(s.cfg.Hostname, user)})
	if !s.register(sh, c) {
		return s.fault(req, faultUnknownShell, sh.id)
	}
	return commandResponse(req, c.id)
}

// register adds the started command c to sh and pumps its output; false
// when sh expired or was deleted while the request ran (c's process is
// killed then; the caller answers with the unknown-shell fault).
func (s *Server) register(sh *shell, c *command) bool {
	s.procs.n.Add(1)
	sh.mu.Lock()
	dead := sh.dead
	if !dead {
		sh.cmds[c.id] = c
	}
	sh.mu.Unlock()
	go c.pump(func() { s.procs.n.Add(-1) })
	if dead {
		c.proc.Kill()
	}
	return !dead
}

// commandResponse answers a Command that started command id.
func commandResponse(req *request, id string) (int, string) {
	return http.StatusOK, envelope(nsShell+"/CommandResponse", req.MessageID,
		`<rsp:CommandResponse><rsp:CommandId>`+id+`</rsp:CommandId></rsp:CommandResponse>`)
}

// receive long-polls until output or completion, else the TimedOut fault.
// With Faults.SlowOutput each reply waits Every and carries at most
// ChunkBytes of output. A shell that expires meanwhile answers with the
// unknown-shell fault.
func (s *Server) receive(ctx context.Context, sh *shell, c *command, req *request) (int, string) {
	timer := time.NewTimer(parseDuration(req.OperationTimeout))
	defer timer.Stop()
	slow := s.cfg.Faults.SlowOutput
	paused := slow.ChunkBytes <= 0 || slow.Every <= 0
	for {
		select {
		case <-sh.expired:
			return s.fault(req, faultUnknownShell, sh.id)
		default:
		}
		c.mu.Lock()
		ready, n := len(c.pending) > 0 || c.done, c.notify
		c.mu.Unlock()
		if ready && !paused {
			paused = true
			if !s.wait(ctx, sh, time.After(slow.Every)) {
				return s.fault(req, faultTimedOut)
			}
			continue
		}
		if ready {
			var out []chunk
			var done bool
			var code int
			if slow.ChunkBytes > 0 {
				out, done, code = c.take(slow.ChunkBytes)
			} else {
				out, done, code = c.takeEnvelope(req.MaxEnvelopeSize)
			}
			return http.StatusOK, envelope(nsShell+"/ReceiveResponse", req.MessageID, receiveBody(c.id, out, done, code))
		}
		select {
		case <-n:
		case <-sh.expired:
		case <-timer.C:
			return s.fault(req, faultTimedOut)
		case <-ctx.Done():
			return s.fault(req, faultTimedOut)
		case <-s.ctx.Done():
			return s.fault(req, faultTimedOut)
		}
	}
}

// wait waits for ch; false when the request, the server or the shell ended first.
func (s *Server) wait(ctx context.Context, sh *shell, ch <-chan time.Time) bool {
	select {
	case <-ch:
		return true
	case <-sh.expired:
		return true // the loop answers with the unknown-shell fault
	case <-ctx.Done():
	case <-s.ctx.Done():
	}
	return false
}

// parseDuration reads PT20S / PT60.000S; default 60 s.
func parseDuration(v string) time.Duration {
	if d, ok := parseSeconds(v); ok {
		return d
	}
	return 60 * time.Second
}

// parseSeconds reads an xs:duration in seconds (PT60S, PT60.000S).
func parseSeconds(v string) (time.Duration, bool) {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(v)), "PT"), "S")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// formatSeconds writes d as Windows echoes durations: PT7200.000S.
func formatSeconds(d time.Duration) string {
	return "PT" + strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "S"
}

// windowsUser is the DOMAIN\user the remote process runs as: the
// authenticated name when it has a domain, else a local account of host.
func windowsUser(host, user string) string {
	if strings.Contains(user, `\`) {
		return user
	}
	return host + `\` + user
}
