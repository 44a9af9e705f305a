// Command bench measures elastic-access-mcp as a whole process (see
// bench/README.md): cold start to the initialize answer, per-call latency over stdio and
// streamable HTTP, calls per second over HTTP with concurrent sessions, and
// peak memory while paging through a 10,000-member organization and 5,000
// roles. Every figure is a median (or a count over a fixed time) of repeated
// runs. All traffic stays on loopback, every loop is bounded in count and
// time, and every process it starts is stopped before it exits.
//
//	go run ./bench                 # build the release binary, run everything
//	go run ./bench -bin PATH -quick
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox"
)

type options struct {
	bin          string
	coldRuns     int
	calls        int
	duration     time.Duration
	concurrency  []int
	members      int
	roles        int
	pageMembers  int
	pageRoles    int
	skipMemory   bool
	skipThroughp bool

	skipCold, skipInProcess bool

	pythonRuns        int
	skipPython        bool
	reviewProjects    int
	reviewRoles       int
	reviewLatency     time.Duration
	reviewConcurrency []int
	skipReview        bool
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == serveSandboxFlag {
		serveSandbox()
		return
	}
	var o options
	var conc, reviewConc string
	quick := flag.Bool("quick", false, "fewer runs and shorter loops (a smoke test of the benchmark itself)")
	flag.StringVar(&o.bin, "bin", "", "binary to measure (default: build it with scripts/build.sh flags into a temp dir)")
	flag.IntVar(&o.coldRuns, "cold-runs", 30, "process starts per cold-start figure")
	flag.IntVar(&o.calls, "calls", 1000, "sequential calls per latency figure")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long each throughput run lasts")
	flag.StringVar(&conc, "concurrency", "1,8,64", "concurrent HTTP sessions for the throughput runs")
	flag.IntVar(&o.members, "members", 10000, "organization size for the memory run")
	flag.IntVar(&o.roles, "roles", 5000, "number of roles for the memory run")
	flag.IntVar(&o.pageMembers, "page-members", 500, "list_org_members page size in the memory run")
	flag.IntVar(&o.pageRoles, "page-roles", 500, "get_roles page size in the memory run")
	flag.BoolVar(&o.skipMemory, "skip-memory", false, "leave out the memory run")
	flag.BoolVar(&o.skipThroughp, "skip-throughput", false, "leave out the throughput runs")
	flag.BoolVar(&o.skipCold, "skip-cold", false, "leave out the cold-start run")
	flag.BoolVar(&o.skipInProcess, "skip-sandbox-runs", false, "leave out the latency and throughput runs against --sandbox (emulators inside the server)")
	flag.IntVar(&o.pythonRuns, "python-runs", 30, "whole-process runs of `call` and of the Python script each")
	flag.BoolVar(&o.skipPython, "skip-python", false, "leave out the side-by-side run against a Python script")
	flag.IntVar(&o.reviewProjects, "review-projects", 100, "Serverless projects in the access_review run")
	flag.IntVar(&o.reviewRoles, "review-roles", 50, "extra roles per project in the access_review run")
	flag.DurationVar(&o.reviewLatency, "review-latency", 20*time.Millisecond, "latency injected into every upstream request of the access_review run")
	flag.StringVar(&reviewConc, "review-concurrency", "1,8,32", "access_review calls in flight")
	flag.BoolVar(&o.skipReview, "skip-review", false, "leave out the access_review run")
	flag.Parse()
	if *quick {
		o.coldRuns, o.calls, o.duration, o.pythonRuns, o.reviewProjects = 5, 50, time.Second, 5, 10
	}
	o.concurrency = counts("-concurrency", conc)
	o.reviewConcurrency = counts("-review-concurrency", reviewConc)
	if err := run(o); err != nil {
		fatalf("%v", err)
	}
}

func counts(name, list string) []int {
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 256 {
			fatalf("%s: %q is not a number between 1 and 256", name, s)
		}
		out = append(out, n)
	}
	return out
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}

func run(o options) error {
	if o.bin == "" {
		bin, cleanup, err := buildBinary()
		if err != nil {
			return err
		}
		defer cleanup()
		o.bin = bin
	}
	fmt.Println("## Machine")
	fmt.Println()
	for _, l := range machine() {
		fmt.Println("- " + l)
	}
	fmt.Println()

	if !o.skipCold {
		if err := coldStarts(o); err != nil {
			return err
		}
	}
	if !o.skipInProcess {
		if err := sandboxRuns(o); err != nil {
			return err
		}
	}

	if !o.skipThroughp {
		if err := externalThroughput(o); err != nil {
			return fmt.Errorf("throughput, emulators in another process: %w", err)
		}
	}
	if !o.skipPython {
		if err := versusPython(o); err != nil {
			return fmt.Errorf("against Python: %w", err)
		}
	}
	if !o.skipReview {
		if err := accessReviewScale(o); err != nil {
			return fmt.Errorf("access_review at scale: %w", err)
		}
	}

	if !o.skipMemory {
		fmt.Printf("## Peak memory (VmHWM of the server process) paging through %d members and %d roles\n\n", o.members, o.roles)
		if err := memory(o); err != nil {
			return fmt.Errorf("memory: %w", err)
		}
	}
	return nil
}

// coldStarts times process start to the initialize answer, without and with
// --sandbox.
func coldStarts(o options) error {
	fmt.Println("## Cold start: process start to the initialize answer over stdio")
	fmt.Println()
	fmt.Println("| configuration | runs | median | p90 | min |")
	fmt.Println("|---|---|---|---|---|")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"no credentials (whoami only)", []string{"stdio"}},
		{"--sandbox (emulators seeded in-process)", []string{"stdio", "--sandbox"}},
	} {
		d, err := coldStart(o.bin, c.args, o.coldRuns)
		if err != nil {
			return fmt.Errorf("cold start %s: %w", c.name, err)
		}
		s := summarize(d)
		fmt.Printf("| %s | %d | %s | %s | %s |\n", c.name, len(d), ms(s.median), ms(s.p90), ms(s.min))
	}
	fmt.Println()

	return nil
}

// sandboxRuns are the latency and throughput runs against --sandbox: the
// emulators run inside the server process.
func sandboxRuns(o options) error {
	fmt.Println("## Per-call latency against the in-process emulators (--sandbox), sequential")
	fmt.Println()
	fmt.Println("| transport | tool | calls | median | p90 | p99 |")
	fmt.Println("|---|---|---|---|---|---|")
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"whoami", map[string]any{}},
		{"list_org_members", map[string]any{"limit": 20}},
		{"get_roles", map[string]any{"limit": 20}},
		{"create_cloud_api_key (dry_run)", map[string]any{"description": "bench", "expiration": "1d", "dry_run": true,
			"roles": []any{map[string]any{"scope": "project", "role": "viewer", "project_type": "elasticsearch", "all": true}}}},
	}
	// The Cloud emulator's per-key quota (10,000 requests a minute) is lifted:
	// these runs measure the server, not the emulated quota.
	noQuota := []string{"EAM_SANDBOX_CLOUD_RATE_LIMIT=off"}
	stdio, err := startStdio(o.bin, []string{"stdio", "--sandbox", "--allow-writes"}, noQuota)
	if err != nil {
		return err
	}
	for _, c := range calls {
		d, err := latency(o.calls, func() error { return stdio.callTool(toolName(c.tool), c.args) })
		if err != nil {
			stdio.stop()
			return fmt.Errorf("stdio %s: %w", c.tool, err)
		}
		s := summarize(d)
		fmt.Printf("| stdio | %s | %d | %s | %s | %s |\n", c.tool, len(d), ms(s.median), ms(s.p90), ms(s.p99))
	}
	stdio.stop()

	hs, err := startHTTP(o.bin, []string{"http", "--listen", "127.0.0.1:0", "--sandbox", "--allow-writes"}, noQuota)
	if err != nil {
		return err
	}
	defer hs.stop()
	sess, err := hs.session()
	if err != nil {
		return err
	}
	for _, c := range calls {
		d, err := latency(o.calls, func() error { return sess.callTool(toolName(c.tool), c.args) })
		if err != nil {
			return fmt.Errorf("http %s: %w", c.tool, err)
		}
		s := summarize(d)
		fmt.Printf("| streamable HTTP | %s | %d | %s | %s | %s |\n", c.tool, len(d), ms(s.median), ms(s.p90), ms(s.p99))
	}
	fmt.Println()

	if !o.skipThroughp {
		fmt.Printf("## Calls per second over streamable HTTP (--sandbox, %s per run, client and server on the same %d cores)\n\n", o.duration, runtime.NumCPU())
		fmt.Println("| tool | sessions | calls | errors | calls/s | median latency |")
		fmt.Println("|---|---|---|---|---|---|")
		for _, c := range calls[:2] {
			for _, n := range o.concurrency {
				r, err := throughput(hs, n, o.duration, c.tool, c.args)
				if err != nil {
					return fmt.Errorf("throughput %s x%d: %w", c.tool, n, err)
				}
				fmt.Printf("| %s | %d | %d | %d | %.0f | %s |\n", c.tool, n, r.calls, r.errors, float64(r.calls)/r.elapsed.Seconds(), ms(r.median))
			}
		}
		fmt.Println()
	}
	hs.stop()
	return nil
}

func toolName(label string) string { return strings.Fields(label)[0] }

// buildBinary builds the binary with the release flags (scripts/build.sh).
func buildBinary() (string, func(), error) {
	dir, err := os.MkdirTemp("", "eam-bench")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "elastic-access-mcp")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.buildVersion=bench", "-o", bin, "./cmd/elastic-access-mcp")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build (run from the repository root): %v\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// cleanEnv is an environment with no Elastic credentials.
func cleanEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	return append(env, extra...)
}

// ---- stdio --------------------------------------------------------------

type stdioProc struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	nextID int
	work   string
}

func startStdio(bin string, args []string, env []string) (*stdioProc, error) {
	work, err := os.MkdirTemp("", "eam-bench-stdio")
	if err != nil {
		return nil, err
	}
	args = append(args, "--secrets-dir", filepath.Join(work, "secrets"), "--env-file", noEnvFile(work))
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stderr = io.Discard
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &stdioProc{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20), work: work}
	if _, err := p.request("initialize", initParams()); err != nil {
		p.stop()
		return nil, err
	}
	if err := p.notify("notifications/initialized"); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func initParams() map[string]any {
	return map[string]any{
		"protocolVersion": "2025-06-18",
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "eam-bench", "version": "1"},
	}
}

func (p *stdioProc) notify(method string) error {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method})
	_, err := p.in.Write(append(b, '\n'))
	return err
}

// request sends one JSON-RPC request and reads lines until its answer.
func (p *stdioProc) request(method string, params any) (json.RawMessage, error) {
	p.nextID++
	id := p.nextID
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	for {
		line, err := p.out.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("read answer to %s: %w", method, err)
		}
		var msg rpcMessage
		if err := json.Unmarshal(line, &msg); err != nil {
			return nil, fmt.Errorf("answer to %s is not JSON: %.200s", method, line)
		}
		if msg.ID == nil || *msg.ID != id {
			continue // a notification
		}
		return msg.result()
	}
}

func (p *stdioProc) callTool(name string, args map[string]any) error {
	res, err := p.request("tools/call", map[string]any{"name": name, "arguments": args})
	if err != nil {
		return err
	}
	return toolError(name, res)
}

func (p *stdioProc) stop() {
	_ = p.in.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(p.work)
}

type rpcMessage struct {
	ID     *int            `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (m rpcMessage) result() (json.RawMessage, error) {
	if m.Error != nil {
		return nil, fmt.Errorf("JSON-RPC error %d: %s", m.Error.Code, m.Error.Message)
	}
	return m.Result, nil
}

func toolError(name string, res json.RawMessage) error {
	var r struct {
		IsError bool `json:"isError"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if r.IsError {
		msg := ""
		if len(r.Content) > 0 {
			msg = r.Content[0].Text
		}
		return fmt.Errorf("%s failed: %.300s", name, msg)
	}
	return nil
}

// coldStart starts the binary runs times and times process start to the
// initialize answer.
func coldStart(bin string, args []string, runs int) ([]time.Duration, error) {
	var out []time.Duration
	for i := 0; i < runs; i++ {
		work, err := os.MkdirTemp("", "eam-bench-cold")
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, append(args, "--env-file", noEnvFile(work))...)
		cmd.Env = cleanEnv()
		cmd.Stderr = io.Discard
		in, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initParams()})
		start := time.Now()
		if err := cmd.Start(); err != nil {
			os.RemoveAll(work)
			return nil, err
		}
		// The request waits in the pipe until the server reads it.
		_, _ = in.Write(append(req, '\n'))
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		elapsed := time.Since(start)
		_ = in.Close()
		waitOrKill(cmd)
		os.RemoveAll(work)
		if err != nil {
			return nil, fmt.Errorf("no initialize answer: %w", err)
		}
		var msg rpcMessage
		if err := json.Unmarshal(line, &msg); err != nil || msg.Error != nil {
			return nil, fmt.Errorf("bad initialize answer: %.200s", line)
		}
		out = append(out, elapsed)
	}
	return out, nil
}

func waitOrKill(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// ---- streamable HTTP ------------------------------------------------------

type httpProc struct {
	cmd    *exec.Cmd
	url    string
	token  string
	client *http.Client
	work   string
	once   sync.Once
}

func startHTTP(bin string, args []string, env []string) (*httpProc, error) {
	work, err := os.MkdirTemp("", "eam-bench-http")
	if err != nil {
		return nil, err
	}
	token := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	cmd := exec.Command(bin, append(args, "--secrets-dir", filepath.Join(work, "secrets"), "--env-file", noEnvFile(work))...)
	cmd.Env = append(cleanEnv("MCP_HTTP_TOKEN="+token), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &httpProc{cmd: cmd, token: token, work: work, client: &http.Client{
		Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute},
		Timeout:   30 * time.Second,
	}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			if sent {
				continue // keep draining: the audit log goes to stderr
			}
			var rec struct {
				Msg string `json:"msg"`
				MCP string `json:"mcp"`
			}
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "serving MCP over HTTP" {
				found <- rec.MCP
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case p.url = <-found:
	case <-time.After(20 * time.Second):
		p.stop()
		return nil, errors.New("the HTTP server did not announce its address within 20 s")
	}
	return p, nil
}

func (p *httpProc) stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		waitOrKill(p.cmd)
		os.RemoveAll(p.work)
	})
}

type httpSession struct {
	p      *httpProc
	id     string
	nextID atomic.Int64
}

func (p *httpProc) session() (*httpSession, error) {
	s := &httpSession{p: p}
	if _, err := s.post(map[string]any{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": initParams()}, true); err != nil {
		return nil, err
	}
	if _, err := s.post(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}, false); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *httpSession) post(msg map[string]any, wantAnswer bool) (json.RawMessage, error) {
	body, _ := json.Marshal(msg)
	req, err := http.NewRequest(http.MethodPost, s.p.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.p.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if s.id != "" {
		req.Header.Set("Mcp-Session-Id", s.id)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	}
	resp, err := s.p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, data)
	}
	if id := resp.Header.Get("Mcp-Session-Id"); id != "" && s.id == "" {
		s.id = id
	}
	if !wantAnswer {
		return nil, nil
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		data = lastSSEData(data)
	}
	var m rpcMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("answer is not JSON: %.200s", data)
	}
	return m.result()
}

// lastSSEData returns the data of the last event in an SSE body (the
// answer comes after any notifications).
func lastSSEData(body []byte) []byte {
	var last []byte
	for _, line := range bytes.Split(body, []byte("\n")) {
		if d, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			last = bytes.TrimSpace(d)
		}
	}
	return last
}

func (s *httpSession) callTool(name string, args map[string]any) error {
	res, err := s.post(map[string]any{"jsonrpc": "2.0", "id": s.nextID.Add(1), "method": "tools/call",
		"params": map[string]any{"name": name, "arguments": args}}, true)
	if err != nil {
		return err
	}
	return toolError(name, res)
}

// loadCall is a tools/call the load generator sends again and again: the
// body is encoded once around the request id, and the answer is checked by
// its bytes, so the generator's own CPU (which shares the cores with the
// server and the emulators) stays small.
type loadCall struct {
	s              *httpSession
	prefix, suffix []byte
}

func (s *httpSession) loadCall(name string, args map[string]any) loadCall {
	params, _ := json.Marshal(map[string]any{"name": name, "arguments": args})
	return loadCall{s: s, prefix: []byte(`{"jsonrpc":"2.0","method":"tools/call","params":` + string(params) + `,"id":`), suffix: []byte("}")}
}

func (c loadCall) do() error {
	body := strconv.AppendInt(append([]byte(nil), c.prefix...), c.s.nextID.Add(1), 10)
	body = append(body, c.suffix...)
	req, err := http.NewRequest(http.MethodPost, c.s.p.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = http.Header{
		"Authorization":        {"Bearer " + c.s.p.token},
		"Content-Type":         {"application/json"},
		"Accept":               {"application/json, text/event-stream"},
		"Mcp-Session-Id":       {c.s.id},
		"Mcp-Protocol-Version": {"2025-06-18"},
	}
	resp, err := c.s.p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, data)
	case bytes.Contains(data, []byte(`"isError":true`)), !bytes.Contains(data, []byte(`"result":`)):
		return fmt.Errorf("the call failed: %.300s", data)
	}
	return nil
}

type tpResult struct {
	calls, errors int64
	elapsed       time.Duration
	median, p99   time.Duration
}

// throughput runs n sessions calling a tool back to back for d.
func throughput(p *httpProc, n int, d time.Duration, tool string, args map[string]any) (tpResult, error) {
	sessions := make([]*httpSession, n)
	for i := range sessions {
		s, err := p.session()
		if err != nil {
			return tpResult{}, err
		}
		sessions[i] = s
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var calls, errs atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for _, s := range sessions {
		wg.Add(1)
		go func(s *httpSession) {
			defer wg.Done()
			var mine []time.Duration
			call := s.loadCall(toolName(tool), args)
			for ctx.Err() == nil {
				t := time.Now()
				err := call.do()
				if ctx.Err() != nil && err != nil {
					break
				}
				if err != nil {
					errs.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t))
				calls.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(s)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil && calls.Load() == 0 {
		return tpResult{}, firstErr
	}
	st := summarize(lat)
	return tpResult{calls: calls.Load(), errors: errs.Load(), elapsed: elapsed, median: st.median, p99: st.p99}, nil
}

// ---- memory ---------------------------------------------------------------

// memory runs the emulators in this process (so their data does not count)
// and the server as a child pointed at them, pages through every member and
// every role, and reads the child's VmHWM.
func memory(o options) error {
	sb, err := sandbox.Start(sandbox.Options{ExtraMembers: o.members, ExtraRoles: o.roles, CloudRateLimit: -1})
	if err != nil {
		return err
	}
	defer sb.Close()
	var env []string
	for _, kv := range sb.Vars() {
		if kv[0] == "ELASTICSEARCH_USERNAME" || kv[0] == "ELASTICSEARCH_PASSWORD" {
			continue // the API key is used
		}
		env = append(env, kv[0]+"="+kv[1])
	}
	p, err := startStdio(o.bin, []string{"stdio"}, env)
	if err != nil {
		return err
	}
	defer p.stop()
	pid := p.cmd.Process.Pid
	base, err := vm(pid)
	if err != nil {
		return err
	}
	fmt.Println("| step | pages | items | VmHWM (peak) | VmRSS (now) | server CPU per page |")
	fmt.Println("|---|---|---|---|---|---|")
	fmt.Printf("| after initialize | - | - | %s | %s | - |\n", mib(base.hwm), mib(base.rss))
	for _, l := range []struct {
		tool, field string
		limit       int
	}{
		{"list_org_members", "members", o.pageMembers},
		{"get_roles", "roles", o.pageRoles},
	} {
		pages, items := 0, 0
		cursor := ""
		cpu0 := procCPU(pid)
		for pages < 10000 {
			args := map[string]any{"limit": l.limit}
			if cursor != "" {
				args["cursor"] = cursor
			}
			res, err := p.request("tools/call", map[string]any{"name": l.tool, "arguments": args})
			if err != nil {
				return err
			}
			if err := toolError(l.tool, res); err != nil {
				return err
			}
			var r struct {
				Structured map[string]json.RawMessage `json:"structuredContent"`
			}
			if err := json.Unmarshal(res, &r); err != nil {
				return err
			}
			var list []json.RawMessage
			_ = json.Unmarshal(r.Structured[l.field], &list)
			items += len(list)
			pages++
			cursor = ""
			_ = json.Unmarshal(r.Structured["next_cursor"], &cursor)
			if cursor == "" {
				break
			}
		}
		m, err := vm(pid)
		if err != nil {
			return err
		}
		fmt.Printf("| after %s, limit %d | %d | %d | %s | %s | %s |\n", l.tool, l.limit, pages, items, mib(m.hwm), mib(m.rss),
			ms((procCPU(pid)-cpu0)/time.Duration(max(pages, 1))))
	}
	fmt.Println()
	return nil
}

type vmStatus struct{ hwm, rss int64 } // bytes

func vm(pid int) (vmStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return vmStatus{}, err
	}
	var v vmStatus
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmHWM:":
			v.hwm = kb * 1024
		case "VmRSS:":
			v.rss = kb * 1024
		}
	}
	return v, nil
}

// ---- statistics and machine -----------------------------------------------

type stats struct{ min, median, p90, p99 time.Duration }

func summarize(d []time.Duration) stats {
	if len(d) == 0 {
		return stats{}
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1))] }
	return stats{min: s[0], median: at(0.5), p90: at(0.9), p99: at(0.99)}
}

func latency(n int, fn func() error) ([]time.Duration, error) {
	// A few calls first: connection set-up and first-use caches are not
	// what this measures.
	for i := 0; i < 5; i++ {
		if err := fn(); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t))
	}
	return out, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func machine() []string {
	var out []string
	out = append(out, fmt.Sprintf("cores (nproc): %d", runtime.NumCPU()))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				out = append(out, "memory: "+strings.TrimSpace(strings.TrimPrefix(l, "MemTotal:")))
			}
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				out = append(out, "CPU: "+strings.TrimSpace(l[strings.Index(l, ":")+1:]))
				break
			}
		}
	}
	out = append(out, "Go: "+runtime.Version())
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		out = append(out, "load average at start: "+strings.Join(strings.Fields(string(b))[:3], " "))
	}
	return out
}

// noEnvFile writes an empty env file in work and returns its path: the
// server refuses an --env-file that does not exist, and the figures must not
// depend on a .env in the working directory.
func noEnvFile(work string) string {
	p := filepath.Join(work, "none.env")
	_ = os.WriteFile(p, nil, 0o600)
	return p
}
