package main

// BenchmarkScale measures DESIGN.md §6's scale target (docs/PERFORMANCE.md
// "Scale"). It is skipped unless PSGATE_SCALE names the number of sessions:
//
//	PSGATE_SCALE=6000 go test -run '^$' -bench '^BenchmarkScale$' -benchtime=1x -timeout 60m ./cmd/psgate/
//
// (make bench-scale). It reuses BenchmarkConsoleSessionMemory's setup: the
// production gateway (assemble over TLS) in the benchmark process, the WinRM
// simulator and the websocket clients in child processes.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/psgate/psgate/session"
)

const (
	// scaleWorkers is how many browsers open (and log off) sessions at once.
	scaleWorkers = 4
	// scaleFDsPerSession: an idle connected console holds the backend's
	// receive connection to the target and the browser's websocket (its
	// control connection closes after the backend's 30 s IdleConnTimeout,
	// which is why the websockets are attached only consoleIdleAfter after
	// the last open).
	scaleFDsPerSession = 2
	// scaleFDSpare covers listeners, pipes, the browser's connections (the
	// baseline holds 17 descriptors).
	scaleFDSpare = 100
	// scaleIdleWindow is how long the connected sessions are left idle while
	// the gateway's CPU time is measured: one receive long poll each
	// (OperationTimeout 20 s, gateway/winrs).
	scaleIdleWindow = 21 * time.Second
	// scaleOpensPerSecond paces the opens: session names are
	// user.yyMMdd.HHmmss[.2-99] (session.Manager.Open), so one user can open
	// at most 100 sessions within one clock second; the 101st fails.
	scaleOpensPerSecond = 90
	// scaleSettle lets receive loops and websocket bridges settle after a step.
	scaleSettle = 2 * time.Second
)

// scaleSample is the gateway process at one point.
// rss is VmRSS as it is; rssMin after debug.FreeOSMemory (the heap's
// free pages returned to the OS).
// heapInuse and sys are MemStats.HeapInuse (spans with live objects) and
// Sys (all memory the runtime obtained from the OS).
type scaleSample struct {
	heap, stack, rss, rssMin uint64
	heapInuse, sys           uint64
	goroutines, fds          int
}

func sampleScale() scaleSample {
	heap, stack, g := heapNow()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := scaleSample{heap: heap, stack: stack, heapInuse: ms.HeapInuse, sys: ms.Sys, rss: vmRSS(), goroutines: g, fds: openFDs()}
	debug.FreeOSMemory()
	s.rssMin = vmRSS()
	return s
}

// vmRSS is VmRSS of /proc/self/status in bytes (0 if unreadable).
func vmRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// openFDs counts the process's open file descriptors.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// scaleN is PSGATE_SCALE; the benchmark skips without it.
func scaleN(b *testing.B) int {
	v := os.Getenv("PSGATE_SCALE")
	if v == "" {
		b.Skip("set PSGATE_SCALE=N (sessions) to run: make bench-scale")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("PSGATE_SCALE %q: want a positive number of sessions", v)
	}
	return n
}

// raiseNoFile sets the soft RLIMIT_NOFILE to the hard limit (the child
// processes inherit it) and reports whether n idle connected consoles fit;
// it fails when n cannot even be held disconnected (one descriptor each,
// two for those opened in the last 30 s).
func raiseNoFile(b *testing.B, n int) (connect bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			b.Fatalf("raise RLIMIT_NOFILE to %d: %v", rl.Max, err)
		}
	}
	recent := min(n, scaleOpensPerSecond*int(consoleIdleAfter/time.Second))
	if need := uint64(n + recent + scaleFDSpare); rl.Cur < need {
		b.Fatalf("RLIMIT_NOFILE %d (hard %d) < %d: %d consoles cannot be held even disconnected", rl.Cur, rl.Max, need, n)
	}
	connect = uint64(n*scaleFDsPerSession+scaleFDSpare) <= rl.Cur
	if !connect {
		b.Logf("RLIMIT_NOFILE %d (hard %d): %d idle connected consoles need %d descriptors each in the gateway, at most %d fit: the sessions stay disconnected",
			rl.Cur, rl.Max, n, scaleFDsPerSession, (rl.Cur-scaleFDSpare)/scaleFDsPerSession)
	}
	b.Logf("RLIMIT_NOFILE %d (hard %d)", rl.Cur, rl.Max)
	return connect
}

// parallelDo runs f(i) for i in [0, n) on scaleWorkers goroutines and
// returns the first error.
func parallelDo(n int, f func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range scaleWorkers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// scaleEnv is the gateway under test and its browser.
type scaleEnv struct {
	n       int
	connect bool // attach websockets (they fit under RLIMIT_NOFILE)
	mgr     *session.Manager
	sim, ws *child
	tr      *http.Transport
	c       *http.Client
	base    string // https://host:port
	page    string // the portal (its CSRF token)
}

// simMem asks the simulator child for its heap and goroutines.
func (e *scaleEnv) simMem(b *testing.B) (uint64, int) {
	var h uint64
	var g int
	if _, err := fmt.Sscanf(e.sim.ask(b, "mem"), "mem %d %d", &h, &g); err != nil {
		b.Fatal(err)
	}
	return h, g
}

// prof writes a heap profile to $PSGATE_BENCH_HEAPPROFILE/scale-NAME.pprof
// when that is set (for `go tool pprof -base`).
func (e *scaleEnv) prof(b *testing.B, name string) {
	dir := os.Getenv("PSGATE_BENCH_HEAPPROFILE")
	if dir == "" {
		return
	}
	runtime.GC()
	f, err := os.Create(filepath.Join(dir, "scale-"+name+".pprof"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// sample closes the browser's idle connections (their goroutines are not
// a session's), lets the sessions settle and samples the gateway.
func (e *scaleEnv) sample() scaleSample {
	e.tr.CloseIdleConnections()
	time.Sleep(scaleSettle)
	return sampleScale()
}

// BenchmarkScale: N (PSGATE_SCALE) console sessions to the simulator (a
// child process allowing N shells to the one user), opened through POST
// /sessions by one signed-in user on scaleWorkers connections at once
// (paced at scaleOpensPerSecond); once all are idle (consoleIdleAfter after
// the last open, their control connections closed) a websocket is attached
// to each from a second child process (connected), left idle for
// scaleIdleWindow (the gateway's CPU time measured), detached
// (disconnected), then logged off. When N idle connected consoles cannot
// fit under RLIMIT_NOFILE (two descriptors each) but N disconnected ones
// can, no websocket is attached and the sessions are measured
// disconnected only. Heap (after GC), goroutine stacks, VmRSS,
// goroutines and descriptors are sampled at each step, per session over the
// baseline; after the log-offs the gateway must return to the baseline (the
// residue is reported, and the goroutines left are logged).
func BenchmarkScale(b *testing.B) {
	n := scaleN(b)
	connect := raiseNoFile(b, n)
	b.Setenv("PSGATE_BENCH_SIM_FLAGS", fmt.Sprintf("--max-shells-per-user %d --max-operations %d", n+10, 3*n+10))
	ts, mgr, sim := simGateway(b)
	e := &scaleEnv{n: n, connect: connect, mgr: mgr, sim: sim, ws: startChild(b, "ws-clients"), base: ts.URL}
	e.tr = ts.Client().Transport.(*http.Transport).Clone()
	e.tr.MaxIdleConnsPerHost = scaleWorkers
	var err error
	if e.c, err = benchSignIn(e.tr, ts.URL, benchUser, benchPassword); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(ts.URL)
	var cookies []string
	for _, ck := range e.c.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	if a := e.ws.ask(b, "cookie "+strings.Join(cookies, "; ")); a != "ok" {
		b.Fatal(a)
	}
	if e.page, err = benchGet(e.c, ts.URL, "/portal"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		e.round(b)
	}
}

// round is one iteration: open, attach, idle, detach, log off, with the
// metrics of each step.
func (e *scaleEnv) round(b *testing.B) {
	n := e.n
	s0 := e.sample()
	sh0, sg0 := e.simMem(b)
	e.prof(b, "baseline")
	b.Logf("baseline: heap %d B, stacks %d B, RSS %d B (%d B after FreeOSMemory), %d goroutines, %d fds",
		s0.heap, s0.stack, s0.rss, s0.rssMin, s0.goroutines, s0.fds)

	ids := make([]string, n)
	lat := make([]time.Duration, n)
	pace := time.NewTicker(time.Second / scaleOpensPerSecond)
	defer pace.Stop()
	t0 := time.Now()
	if err := parallelDo(n, func(i int) error {
		<-pace.C
		t := time.Now()
		loc, err := benchPost(e.c, e.base, "/sessions", e.page, url.Values{"target": {"0"}})
		ids[i], lat[i] = strings.TrimPrefix(loc, "/console/"), time.Since(t)
		if err != nil {
			return fmt.Errorf("session %d: %w", i, err)
		}
		return nil
	}); err != nil {
		b.Fatalf("opened %d of %d: %v", e.mgr.Stats().Disconnected, n, err)
	}
	openD := time.Since(t0)
	opened := time.Now()
	waitStats(b, e.mgr, session.Stats{Disconnected: n})
	s1 := e.sample()
	e.prof(b, "opened")
	// Idle: every console's control connection closed (IdleConnTimeout).
	time.Sleep(time.Until(opened.Add(consoleIdleAfter)))
	s1i := e.sample()

	s2, s3, attachD := s1i, s1i, time.Duration(0) // without websockets: idle disconnected
	if e.connect {
		s2, attachD = e.attach(b, ids)
	}
	sh2, sg2 := e.simMem(b)
	cpu0, w0 := cpuTime(), time.Now()
	time.Sleep(scaleIdleWindow)
	idleCPU := float64(cpuTime()-cpu0) / float64(time.Since(w0))
	if e.connect {
		if a := e.ws.ask(b, "close"); a != "closed" {
			b.Fatalf("close websockets: %s", a)
		}
		waitStats(b, e.mgr, session.Stats{Disconnected: n})
		s3 = e.sample()
	}

	t3 := time.Now()
	if err := parallelDo(n, func(i int) error { return e.mgr.Logoff(context.Background(), ids[i]) }); err != nil {
		b.Fatalf("log off: %v", err)
	}
	waitStats(b, e.mgr, session.Stats{})
	closeD := time.Since(t3)
	s4, backIn := e.waitBaseline(b, s0)
	e.prof(b, "closed")
	sh4, sg4 := e.simMem(b)

	b.Logf("n=%d: residue after log-off %d B heap, %d goroutines, %d fds (baseline after %s)",
		n, int64(s4.heap)-int64(s0.heap), s4.goroutines-s0.goroutines, s4.fds-s0.fds, backIn)
	per := func(a, z uint64) float64 { return (float64(z) - float64(a)) / float64(n) }
	perG := func(a, z int) float64 { return float64(z-a) / float64(n) }
	b.ReportMetric(float64(n), "sessions")
	b.ReportMetric(openD.Seconds(), "open-s")
	b.ReportMetric(float64(n)/openD.Seconds(), "opens/s")
	p50, p99 := percentiles(lat)
	b.ReportMetric(float64(p50)/float64(time.Millisecond), "open-p50-ms")
	b.ReportMetric(float64(p99)/float64(time.Millisecond), "open-p99-ms")
	if e.connect {
		e.reportConnected(b, s0, s2, attachD)
	}
	b.ReportMetric(closeD.Seconds(), "logoff-s")
	b.ReportMetric(per(s0.heap, s1.heap), "B/session-opened")
	b.ReportMetric(per(s0.heap, s1i.heap), "B/session-opened-idle")
	b.ReportMetric(perG(s0.goroutines, s1.goroutines), "goroutines/session-opened")
	b.ReportMetric(perG(s0.fds, s1.fds), "fds/session-opened")
	b.ReportMetric(per(s0.heap, s3.heap), "B/session-disconnected")
	b.ReportMetric(per(s0.stack, s3.stack), "stack-B/session-disconnected")
	b.ReportMetric(per(s0.heap+s0.stack, s3.heap+s3.stack), "heap+stack-B/session-disconnected")
	b.ReportMetric(per(s0.heapInuse, s3.heapInuse), "heapinuse-B/session-disconnected")
	b.ReportMetric(per(s0.rssMin, s3.rss), "rss-B/session-disconnected")
	b.ReportMetric(per(s0.rssMin, s3.rssMin), "rss-min-B/session-disconnected")
	b.ReportMetric(perG(s0.goroutines, s3.goroutines), "goroutines/session-disconnected")
	b.ReportMetric(perG(s0.fds, s3.fds), "fds/session-disconnected")
	b.ReportMetric(float64(s2.heap)/1e6, "heap-MB-idle")
	b.ReportMetric(float64(s2.rss)/1e6, "rss-MB-idle")
	b.ReportMetric(100*idleCPU, "idle-cpu-%")
	b.ReportMetric(per(sh0, sh2), "sim-B/session")
	b.ReportMetric(perG(sg0, sg2), "sim-goroutines/session")
	b.ReportMetric(float64(s4.heap)-float64(s0.heap), "residue-heap-B")
	b.ReportMetric(float64(s4.goroutines-s0.goroutines), "residue-goroutines")
	b.ReportMetric(float64(s4.fds-s0.fds), "residue-fds")
	b.ReportMetric(float64(s4.rssMin)/1e6, "rss-min-MB-closed")
	b.ReportMetric(float64(s0.rssMin)/1e6, "rss-min-MB-baseline")
	b.ReportMetric(backIn.Seconds(), "baseline-after-s")
	b.ReportMetric(float64(sh4)-float64(sh0), "sim-residue-heap-B")
	b.ReportMetric(float64(sg4-sg0), "sim-residue-goroutines")
}

// attach dials a websocket to each session from the client child, and
// samples the gateway once all are attached; it returns the sample and
// how long the dials took.
func (e *scaleEnv) attach(b *testing.B, ids []string) (scaleSample, time.Duration) {
	t := time.Now()
	tok := csrfRe.FindStringSubmatch(e.page)[1]
	wsBase := "wss://" + strings.TrimPrefix(e.base, "https://")
	for _, id := range ids {
		if a := e.ws.ask(b, "dial "+wsBase+"/console/"+id+"/ws?csrf="+url.QueryEscape(tok)); a != "ok" {
			b.Fatalf("websocket %s: %s", id, a)
		}
	}
	d := time.Since(t)
	waitStats(b, e.mgr, session.Stats{Active: len(ids)})
	s := e.sample()
	e.prof(b, "connected")
	return s, d
}

// reportConnected reports the connected sample s2 over the baseline s0.
func (e *scaleEnv) reportConnected(b *testing.B, s0, s2 scaleSample, attachD time.Duration) {
	n := float64(e.n)
	per := func(a, z uint64) float64 { return (float64(z) - float64(a)) / n }
	b.ReportMetric(attachD.Seconds(), "attach-s")
	b.ReportMetric(per(s0.heap, s2.heap), "B/session-connected")
	b.ReportMetric(per(s0.stack, s2.stack), "stack-B/session-connected")
	b.ReportMetric(per(s0.heap+s0.stack, s2.heap+s2.stack), "heap+stack-B/session-connected")
	b.ReportMetric(per(s0.heapInuse, s2.heapInuse), "heapinuse-B/session-connected")
	b.ReportMetric(per(s0.sys, s2.sys), "sys-B/session-connected")
	b.ReportMetric(per(s0.rssMin, s2.rss), "rss-B/session-connected")
	b.ReportMetric(per(s0.rssMin, s2.rssMin), "rss-min-B/session-connected")
	b.ReportMetric(float64(s2.goroutines-s0.goroutines)/n, "goroutines/session-connected")
	b.ReportMetric(float64(s2.fds-s0.fds)/n, "fds/session-connected")
}

// waitBaseline waits (up to 90 s, past the backend's 30 s IdleConnTimeout)
// for the gateway's goroutines to return to the baseline's, and returns the
// last sample and how long it took after the log-offs; goroutines left
// over are logged with their stacks.
func (e *scaleEnv) waitBaseline(b *testing.B, s0 scaleSample) (scaleSample, time.Duration) {
	start := time.Now()
	deadline := start.Add(90 * time.Second)
	for {
		e.tr.CloseIdleConnections()
		s := sampleScale()
		if s.goroutines <= s0.goroutines || time.Now().After(deadline) {
			if s.goroutines > s0.goroutines {
				var buf bytes.Buffer
				_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
				b.Logf("%d goroutines over the baseline after %s:\n%s", s.goroutines-s0.goroutines, time.Since(start), buf.String())
			}
			return s, time.Since(start)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
