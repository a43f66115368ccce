package winrstest

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psgate/psgate/gateway/winrs/winrstest/pwsh"
)

type shell struct {
	id, owner string
	codepage  int // WINRS_CODEPAGE of the Create request (437 when absent, as Windows)
	mu        sync.Mutex
	cmds      map[string]*command
}

type command struct {
	id      string
	proc    process
	mu      sync.Mutex
	pending []chunk
	done    bool
	code    int
	notify  chan struct{} // closed and replaced on every change
}

func (sh *shell) commandCount() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.cmds)
}

func (sh *shell) close() {
	sh.mu.Lock()
	cmds := sh.cmds
	sh.cmds = map[string]*command{}
	sh.mu.Unlock()
	for _, c := range cmds {
		c.proc.Kill()
	}
}

func (c *command) pump() {
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

func (s *Server) dispatch(ctx context.Context, user string, req *request) (int, string) {
	fault := func(f wsmanFault, args ...any) (int, string) {
		return http.StatusInternalServerError, f.render(req.MessageID, s.cfg.Hostname, args...)
	}
	if req.ResourceURI != "" && req.ResourceURI != uriCmd {
		return fault(faultBadURI, req.ResourceURI)
	}
	if req.Action == actCreate {
		s.mu.Lock()
		n := 0
		for _, sh := range s.shells {
			if sh.owner == user {
				n++
			}
		}
		if n >= s.cfg.MaxShellsPerUser || s.cfg.Faults.QuotaFault {
			s.mu.Unlock()
			return fault(faultMaxShells, s.cfg.MaxShellsPerUser)
		}
		sh := &shell{id: newGUID(), owner: user, cmds: map[string]*command{}, codepage: 437}
		if cp, err := strconv.Atoi(req.Options["WINRS_CODEPAGE"]); err == nil && (cp == 65001 || cp == 437) {
			sh.codepage = cp
		}
		s.shells[sh.id] = sh
		s.mu.Unlock()
		body := `<x:ResourceCreated><a:Address>` + "http://" + s.cfg.Hostname + `:5985/wsman</a:Address><a:ReferenceParameters><w:ResourceURI>` + uriCmd +
			`</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">` + sh.id + `</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` +
			`<rsp:Shell xmlns:rsp="` + nsShell + `"><rsp:ShellId>` + sh.id + `</rsp:ShellId><rsp:ResourceUri>` + uriCmd + `</rsp:ResourceUri><rsp:Owner>` + user +
			`</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
		return http.StatusOK, envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", req.MessageID, body)
	}
	s.mu.Lock()
	sh := s.shells[req.ShellID]
	s.mu.Unlock()
	if sh == nil || sh.owner != user {
		return fault(faultUnknownShell, req.ShellID)
	}
	switch req.Action {
	case actDelete:
		s.mu.Lock()
		delete(s.shells, sh.id)
		s.mu.Unlock()
		sh.close()
		return http.StatusOK, envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", req.MessageID, "")
	case actCmd:
		c := &command{id: newGUID(), notify: make(chan struct{})}
		c.proc = pwsh.Start(s.ctx, req.Command, req.Arguments, pwsh.Options{
			Codepage: sh.codepage, Host: s.cfg.Hostname, User: windowsUser(s.cfg.Hostname, user)})
		sh.mu.Lock()
		sh.cmds[c.id] = c
		sh.mu.Unlock()
		go c.pump()
		return http.StatusOK, envelope(nsShell+"/CommandResponse", req.MessageID,
			`<rsp:CommandResponse><rsp:CommandId>`+c.id+`</rsp:CommandId></rsp:CommandResponse>`)
	}
	sh.mu.Lock()
	c := sh.cmds[req.CommandID]
	sh.mu.Unlock()
	if c == nil {
		return fault(faultUnknownCommand)
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
	return fault(faultBadAction, req.Action)
}

// receive long-polls until output or completion, else the TimedOut fault.
func (s *Server) receive(ctx context.Context, sh *shell, c *command, req *request) (int, string) {
	timer := time.NewTimer(parseDuration(req.OperationTimeout))
	defer timer.Stop()
	for {
		c.mu.Lock()
		if len(c.pending) > 0 || c.done {
			pending, done, code := c.pending, c.done, c.code
			c.pending = nil
			c.mu.Unlock()
			var b strings.Builder
			b.WriteString(`<rsp:ReceiveResponse>`)
			for _, ch := range pending {
				b.WriteString(`<rsp:Stream Name="` + ch.Stream + `" CommandId="` + c.id + `">` + base64.StdEncoding.EncodeToString(ch.Data) + `</rsp:Stream>`)
			}
			state := "Running"
			if done {
				state = "Done"
				b.WriteString(`<rsp:Stream Name="stdout" CommandId="` + c.id + `" End="true"></rsp:Stream><rsp:Stream Name="stderr" CommandId="` + c.id + `" End="true"></rsp:Stream>`)
			}
			b.WriteString(`<rsp:CommandState CommandId="` + c.id + `" State="` + nsShell + `/CommandState/` + state + `">`)
			if done {
				b.WriteString(`<rsp:ExitCode>` + strconv.Itoa(code) + `</rsp:ExitCode></rsp:CommandState>`)
			} else {
				b.WriteString(`</rsp:CommandState>`)
			}
			b.WriteString(`</rsp:ReceiveResponse>`)
			return http.StatusOK, envelope(nsShell+"/ReceiveResponse", req.MessageID, b.String())
		}
		n := c.notify
		c.mu.Unlock()
		select {
		case <-n:
		case <-timer.C:
			return http.StatusInternalServerError, faultTimedOut.render(req.MessageID, s.cfg.Hostname)
		case <-ctx.Done():
			return http.StatusInternalServerError, faultTimedOut.render(req.MessageID, s.cfg.Hostname)
		case <-s.ctx.Done():
			return http.StatusInternalServerError, faultTimedOut.render(req.MessageID, s.cfg.Hostname)
		}
	}
}

// parseDuration reads PT20S / PT60.000S; default 60 s.
func parseDuration(v string) time.Duration {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.ToUpper(v), "PT"), "S")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 60 * time.Second
	}
	return time.Duration(f * float64(time.Second))
}

// windowsUser is the DOMAIN\user the remote process runs as: the
// authenticated name when it has a domain, else a local account of host.
func windowsUser(host, user string) string {
	if strings.Contains(user, `\`) {
		return user
	}
	return host + `\` + user
}
