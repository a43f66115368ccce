package winrs

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psgate/psgate/backend/wsman"
)

// fakeTarget is a minimal WinRS endpoint with a scripted stand-in for
// powershell.exe -Command -, used to test the console's protocol handling
// at its seam (deterministically, with faults injected exactly where
// wanted). The WinRM simulator (winrmsim) is the faithful target; these
// tests cover what it cannot be made to do on cue.
//
// The stand-in understands block lines (iex … base64) whose decoded lines
// are: "echo TEXT", "err TEXT" (CLIXML on stderr), "sleep" (until ctrl_c),
// "read" (reads one stdin line), "exit N", "cd PATH", "raw B64" (stdout
// bytes); and marker lines (Write-Output "…$?:$PWD>>").
type fakeTarget struct {
	srv *httptest.Server
	mu  sync.Mutex
	sh  map[string]*fakeShell
	n   int
	// faults
	failReceive int // the next N Receives drop the connection
	failCreate  *fakeFault
	hang        bool // every request from now on is held until the client gives up
	deleted     int
}

type fakeFault struct {
	status int
	body   string
}

type fakeShell struct {
	mu      sync.Mutex
	cond    *sync.Cond
	out     []fakeChunk
	done    bool
	exit    int
	lines   chan string
	ctrlC   chan struct{}
	stopped chan struct{}
	pwd     string
	ok      bool
}

type fakeChunk struct {
	stream string
	data   []byte
}

func newFakeTarget(t testing.TB) *fakeTarget {
	f := &fakeTarget{sh: map[string]*fakeShell{}}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.srv.Close()
		f.mu.Lock()
		for _, s := range f.sh {
			s.stop()
		}
		f.mu.Unlock()
	})
	return f
}

func (f *fakeTarget) config() Config {
	u := f.srv.Listener.Addr().String()
	host, port, _ := strings.Cut(u, ":")
	p, _ := strconv.Atoi(port)
	return Config{Endpoint: wsman.Endpoint{Host: host, Port: p, HTTPS: true, Insecure: true, Username: "alice", Password: "pw",
		ConnectTimeout: 2 * time.Second, OperationTimeout: time.Second}}
}

func (f *fakeTarget) openShells() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sh)
}

// quotaFault is a max-shells quota fault as Windows sends it.
const quotaFault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">` +
	`<s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:InternalError</s:Value></s:Subcode></s:Code>` +
	`<s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request.</s:Text></s:Reason>` +
	`<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150859173" Machine="h">` +
	`<f:Message>This user has exceeded the maximum number of concurrent shells allowed for this plugin. &amp; more</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`

var (
	reAction  = regexp.MustCompile(`<a:Action[^>]*>([^<]*)</a:Action>`)
	reShellID = regexp.MustCompile(`Name="ShellId">([^<]*)<`)
	reStream  = regexp.MustCompile(`<rsp:Stream[^>]*>([^<]*)</rsp:Stream>`)
	reCode    = regexp.MustCompile(`<rsp:Code>([^<]*)</rsp:Code>`)
)

func (f *fakeTarget) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "pw" {
		w.WriteHeader(401)
		return
	}
	b, _ := io.ReadAll(r.Body)
	body := string(b)
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	m := reAction.FindStringSubmatch(body)
	if m == nil {
		w.WriteHeader(400)
		return
	}
	action := m[1][strings.LastIndex(m[1], "/")+1:]
	var shell *fakeShell
	if id := reShellID.FindStringSubmatch(body); id != nil {
		f.mu.Lock()
		shell = f.sh[id[1]]
		f.mu.Unlock()
		if shell == nil {
			w.WriteHeader(500)
			fmt.Fprint(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><f:WSManFault xmlns:f="x" Code="2150858843"><f:Message>shell not found</f:Message></f:WSManFault></s:Fault></s:Body></s:Envelope>`)
			return
		}
	}
	switch action {
	case "Create":
		f.mu.Lock()
		if ff := f.failCreate; ff != nil {
			f.mu.Unlock()
			w.WriteHeader(ff.status)
			fmt.Fprint(w, ff.body)
			return
		}
		f.n++
		id := fmt.Sprintf("SHELL-%d", f.n)
		f.sh[id] = newFakeShell()
		f.mu.Unlock()
		fmt.Fprintf(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse</a:Action></s:Header><s:Body><x:ResourceCreated xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer"><a:ReferenceParameters><w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated></s:Body></s:Envelope>`, id)
	case "Command":
		go shell.run()
		fmt.Fprint(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header><a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse</a:Action></s:Header><s:Body><rsp:CommandResponse><rsp:CommandId>CMD-1</rsp:CommandId></rsp:CommandResponse></s:Body></s:Envelope>`)
	case "Send":
		data, _ := base64.StdEncoding.DecodeString(reStream.FindStringSubmatch(body)[1])
		for _, line := range strings.SplitAfter(string(data), "\r\n") {
			if line != "" {
				shell.lines <- strings.TrimSuffix(line, "\r\n")
			}
		}
		fmt.Fprint(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><rsp:SendResponse xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"/></s:Body></s:Envelope>`)
	case "Receive":
		f.mu.Lock()
		drop := f.failReceive > 0
		if drop {
			f.failReceive--
		}
		f.mu.Unlock()
		if drop {
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
			return
		}
		shell.receive(w, r)
	case "Signal":
		if c := reCode.FindStringSubmatch(body); c != nil && strings.HasSuffix(c[1], "ctrl_c") {
			select {
			case shell.ctrlC <- struct{}{}:
			default:
			}
		} else {
			shell.stop()
		}
		fmt.Fprint(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><rsp:SignalResponse xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"/></s:Body></s:Envelope>`)
	case "Delete":
		f.mu.Lock()
		for id, s := range f.sh {
			if s == shell {
				delete(f.sh, id)
				f.deleted++
			}
		}
		f.mu.Unlock()
		shell.stop()
		fmt.Fprint(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`)
	default:
		w.WriteHeader(400)
	}
}

func newFakeShell() *fakeShell {
	s := &fakeShell{lines: make(chan string, 64), ctrlC: make(chan struct{}, 1), stopped: make(chan struct{}), pwd: `C:\Users\alice`, ok: true}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *fakeShell) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.stopped:
	default:
		close(s.stopped)
	}
	s.cond.Broadcast()
}

func (s *fakeShell) write(stream string, b []byte) {
	s.mu.Lock()
	s.out = append(s.out, fakeChunk{stream, append([]byte(nil), b...)})
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *fakeShell) finish(code int) {
	s.mu.Lock()
	s.done, s.exit = true, code
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *fakeShell) receive(w http.ResponseWriter, r *http.Request) {
	timer := time.AfterFunc(900*time.Millisecond, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer timer.Stop()
	stop := context.AfterFunc(r.Context(), func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer stop()
	start := time.Now()
	s.mu.Lock()
	for len(s.out) == 0 && !s.done && time.Since(start) < 800*time.Millisecond && r.Context().Err() == nil {
		s.cond.Wait()
	}
	if r.Context().Err() != nil { // the client went away: keep the output for the next Receive
		s.mu.Unlock()
		return
	}
	out, done, code := s.out, s.done, s.exit
	s.out = nil
	s.mu.Unlock()
	if len(out) == 0 && !done {
		w.WriteHeader(500)
		fmt.Fprint(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Reason><s:Text>The WS-Management service cannot complete the operation within the time specified in OperationTimeout.</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="x" Code="2150858793"/></s:Detail></s:Fault></s:Body></s:Envelope>`)
		return
	}
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:ReceiveResponse>`)
	for _, c := range out {
		fmt.Fprintf(&b, `<rsp:Stream Name="%s" CommandId="CMD-1">%s</rsp:Stream>`, c.stream, base64.StdEncoding.EncodeToString(c.data))
	}
	if done {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="CMD-1" State="%s"><rsp:ExitCode>%d</rsp:ExitCode></rsp:CommandState>`, wsman.StateDone, code)
	} else {
		b.WriteString(`<rsp:CommandState CommandId="CMD-1" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"/>`)
	}
	b.WriteString(`</rsp:ReceiveResponse></s:Body></s:Envelope>`)
	fmt.Fprint(w, b.String())
}

var (
	reBlock  = regexp.MustCompile(`^iex \(\[Text\.Encoding\]::UTF8\.GetString\(\[Convert\]::FromBase64String\('([^']*)'\)\)\)$`)
	reMarker = regexp.MustCompile(`^Write-Output "(.*)\$\?:\$PWD>>"$`)
)

// run is the stand-in for powershell.exe -Command -.
func (s *fakeShell) run() {
	for {
		var line string
		select {
		case line = <-s.lines:
		case <-s.stopped:
			return
		}
		block, mark, _ := strings.Cut(line, "; ")
		if reMarker.MatchString(block) {
			block, mark = "", block
		}
		if m := reBlock.FindStringSubmatch(block); m != nil {
			src, _ := base64.StdEncoding.DecodeString(m[1])
			s.ok = true
			for _, stmt := range strings.Split(string(src), "\n") {
				exited, stopped := s.exec(strings.TrimSpace(stmt))
				if exited {
					return
				}
				if stopped { // ctrl_c stops the whole line, marker included
					mark = ""
					break
				}
			}
		}
		if m := reMarker.FindStringSubmatch(mark); m != nil {
			okStr := "False"
			if s.ok {
				okStr = "True"
			}
			s.write("stdout", []byte(m[1]+okStr+":"+s.pwd+">>\n"))
		}
	}
}

// exec runs one statement; it reports whether the process exited or the
// line was stopped by ctrl_c.
func (s *fakeShell) exec(stmt string) (exited, stopped bool) {
	cmd, arg, _ := strings.Cut(stmt, " ")
	switch cmd {
	case "echo":
		s.write("stdout", []byte(arg+"\n"))
	case "raw":
		b, _ := base64.StdEncoding.DecodeString(arg)
		s.write("stdout", b)
	case "err":
		s.write("stderr", []byte("#< CLIXML\r\n<Objs Version=\"1.1.0.1\"><S S=\"Error\">"+arg+"_x000D__x000A_</S></Objs>"))
		s.ok = false
	case "flood": // flood N: N bytes of 'x' lines, in 32 KiB writes
		n, _ := strconv.Atoi(arg)
		line := strings.Repeat("x", 99) + "\n"
		buf := []byte(strings.Repeat(line, 32<<10/len(line)))
		for n > 0 {
			k := min(n, len(buf))
			s.write("stdout", buf[:k])
			n -= k
		}
	case "cd":
		s.pwd = arg
	case "sleep":
		select {
		case <-s.ctrlC:
			s.ok = false
			return false, true
		case <-s.stopped:
			return true, false
		}
	case "read":
		s.write("stdout", []byte("Name: "))
		select {
		case l := <-s.lines:
			s.write("stdout", []byte("hello "+l+"\n"))
		case <-s.stopped:
			return true, false
		}
	case "exit":
		n, _ := strconv.Atoi(arg)
		s.finish(n)
		return true, false
	}
	return false, false
}
