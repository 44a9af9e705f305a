package main

// Figures taken with the emulators in a process of their own, so that what is
// measured is the server's work (plus the load generator's, which shares the
// cores): HTTP throughput, a whole `call` process against a Python script
// doing the same requests with urllib, and access_review across many
// Serverless projects with injected latency.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
)

// serveSandboxFlag makes the bench binary itself the emulator process. It is
// `elastic-access-mcp sandbox` with the Cloud emulator's per-key quota lifted
// (10,000 requests a minute by default), which the sandbox command does not
// offer: a throughput run would otherwise measure the emulated quota.
const serveSandboxFlag = "-serve-sandbox"

// serveSandbox runs the emulators until stdin closes or the process is
// interrupted, after printing their settings as KEY=VALUE lines and "ready".
func serveSandbox() {
	sb, err := sandbox.Start(sandbox.Options{CloudRateLimit: -1})
	if err != nil {
		fatalf("sandbox: %v", err)
	}
	defer sb.Close()
	for _, kv := range sb.Vars() {
		fmt.Printf("%s=%s\n", kv[0], kv[1])
	}
	fmt.Println("ready")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); stop() }()
	<-ctx.Done()
}

type sandboxProc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	vars []string // KEY=VALUE, the server's environment
}

// startSandboxProc starts this benchmark's own binary as the emulator
// process and reads the credentials it prints.
func startSandboxProc() (*sandboxProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, serveSandboxFlag)
	cmd.Env = cleanEnv()
	cmd.Stderr = os.Stderr
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
	p := &sandboxProc{cmd: cmd, in: in}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if line == "ready" {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return p, nil
		}
		k, _, _ := strings.Cut(line, "=")
		if k == "ELASTICSEARCH_USERNAME" || k == "ELASTICSEARCH_PASSWORD" {
			continue // the API key is used
		}
		p.vars = append(p.vars, line)
	}
	p.stop()
	return nil, errors.New("the emulator process exited before it was ready")
}

func (p *sandboxProc) stop() {
	_ = p.in.Close()
	waitOrKill(p.cmd)
}

// externalThroughput is the calls/s figure with the emulators in another
// process.
func externalThroughput(o options) error {
	sb, err := startSandboxProc()
	if err != nil {
		return err
	}
	defer sb.stop()
	hs, err := startHTTP(o.bin, []string{"http", "--listen", "127.0.0.1:0"}, sb.vars)
	if err != nil {
		return err
	}
	defer hs.stop()
	if err := warmEmulators(hs); err != nil {
		return err
	}
	fmt.Printf("## Calls per second over streamable HTTP, emulators in another process (%s per run, %d cores shared by server, emulators and load generator)\n\n", o.duration, runtime.NumCPU())
	fmt.Println("| tool | sessions | calls | errors | calls/s | p50 | p99 | upstream requests per call | server CPU per call | server alone: calls/s its CPU allows | emulators' CPU per call | load generator's CPU per call |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, tool := range []struct {
		name string
		args map[string]any
	}{{"whoami", map[string]any{}}, {"list_org_members", map[string]any{"limit": 20}}} {
		for _, n := range o.concurrency {
			up0 := hs.upstreamRequests()
			srv0, emu0, gen0 := procCPU(hs.cmd.Process.Pid), procCPU(sb.cmd.Process.Pid), procCPU(os.Getpid())
			r, err := throughput(hs, n, o.duration, tool.name, tool.args)
			if err != nil {
				return fmt.Errorf("throughput %s x%d: %w", tool.name, n, err)
			}
			per := func(d time.Duration) string {
				if r.calls == 0 {
					return "-"
				}
				return fmt.Sprintf("%.0f µs", float64(d)/float64(r.calls)/float64(time.Microsecond))
			}
			srv := procCPU(hs.cmd.Process.Pid) - srv0
			// What the server's CPU per call allows on every core, were the
			// emulators and the load generator elsewhere.
			alone := "-"
			if srv > 0 {
				alone = fmt.Sprintf("%.0f", float64(runtime.NumCPU())*float64(r.calls)/srv.Seconds())
			}
			upstream := "-"
			if up := hs.upstreamRequests() - up0; up >= 0 && up0 >= 0 && r.calls > 0 {
				upstream = fmt.Sprintf("%.2f", up/float64(r.calls))
			}
			fmt.Printf("| %s | %d | %d | %d | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", tool.name, n, r.calls, r.errors,
				float64(r.calls)/r.elapsed.Seconds(), ms(r.median), ms(r.p99), upstream,
				per(srv), alone, per(procCPU(sb.cmd.Process.Pid)-emu0), per(procCPU(os.Getpid())-gen0))
		}
	}
	fmt.Println()
	return nil
}

// upstreamRequests reads the server's count of requests sent upstream
// from its /metrics (-1 when it cannot).
func (p *httpProc) upstreamRequests() float64 {
	base, _, _ := strings.Cut(p.url, "/mcp")
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return -1
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.client.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return -1
	}
	total := 0.0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "elastic_access_mcp_upstream_requests_total{") {
			if i := strings.LastIndexByte(line, ' '); i > 0 {
				v, _ := strconv.ParseFloat(line[i+1:], 64)
				total += v
			}
		}
	}
	return total
}

// pythonMembers reads the organization's first 20 members the way Elastic's
// reference scripts do: urllib, the organization first, then its members,
// following next_page; stdlib only. Both scripts start with it.
const pythonMembers = `import json, os, sys, urllib.request
base = os.environ["EC_BASE_URL"].rstrip("/") + "/api/v1"
hdr = {"Authorization": "ApiKey " + os.environ["EC_API_KEY"], "Accept": "application/json"}
def get(path):
    with urllib.request.urlopen(urllib.request.Request(base + path, headers=hdr)) as r:
        return json.load(r)
org = get("/organizations")["organizations"][0]["id"]
members, page = [], ""
while True:
    out = get("/organizations/%s/members%s" % (org, "?from=" + page if page else ""))
    members += out.get("members", [])
    page = out.get("next_page") or ""
    if not page or len(members) >= 20:
        break
members = members[:20]
`

// pythonScript lists the members and leaves the project ids in their role
// assignments unnamed, which the tool names (see pythonNamingScript): 2
// requests.
const pythonScript = pythonMembers + `json.dump({"members": members}, sys.stdout)
`

// pythonNamingScript gives the same answer as `call list_org_members`: like
// the tool, it also lists the projects of each type (following next_page) to
// name the projects in the members' role assignments: 5 requests to the
// Cloud API, as the tool sends.
const pythonNamingScript = pythonMembers + `names = {}
for kind in ("elasticsearch", "observability", "security"):
    page = ""
    while True:
        out = get("/serverless/projects/%s%s" % (kind, "?next_page=" + page if page else ""))
        names.update({p["id"]: p["name"] for p in out.get("items", [])})
        page = out.get("next_page") or ""
        if not page:
            break
for m in members:
    for kind, grants in m.get("role_assignments", {}).get("project", {}).items():
        for g in grants:
            g["projects"] = [{"id": i, "name": names.get(i, "")} for i in g.get("project_ids") or []]
json.dump({"members": members}, sys.stdout)
`

// versusPython times whole processes: `call list_org_members` against
// python3 running pythonScript, both against the same emulator process, and
// warm calls in a running server against the same script.
func versusPython(o options) error {
	py, err := pythonInterpreter()
	if err != nil {
		fmt.Printf("(python3 not found: the side-by-side run is left out)\n\n")
		return nil
	}
	sb, err := startSandboxProc()
	if err != nil {
		return err
	}
	defer sb.stop()
	work, err := os.MkdirTemp("", "eam-bench-py")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	script := filepath.Join(work, "list_members.py")
	if err := os.WriteFile(script, []byte(pythonScript), 0o600); err != nil {
		return err
	}
	naming := filepath.Join(work, "list_members_named.py")
	if err := os.WriteFile(naming, []byte(pythonNamingScript), 0o600); err != nil {
		return err
	}
	env := append(cleanEnv(), sb.vars...)
	// runProc returns the wall time of a whole process and the CPU time
	// (user + system) it used: the CPU time hardly moves with the load of
	// a shared machine, the wall time does.
	runProc := func(name string, args ...string) (wall, cpu time.Duration, err error) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		t := time.Now()
		if err := cmd.Run(); err != nil {
			return 0, 0, fmt.Errorf("%s: %v: %.300s", filepath.Base(name), err, stderr.String())
		}
		return time.Since(t), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
	}
	var call, pyRuns, namedRuns, callCPU, pyCPU, namedCPU []time.Duration
	// Interleaved, so that a change of machine load hits both alike.
	for i := 0; i < o.pythonRuns+2; i++ {
		d, dc, err := runProc(o.bin, "call", "list_org_members", "--args", `{"limit":20}`, "--env-file", noEnvFile(work),
			"--secrets-dir", filepath.Join(work, "secrets"), "--log-level", "error")
		if err != nil {
			return err
		}
		p, pc, err := runProc(py, script)
		if err != nil {
			return err
		}
		n, nc, err := runProc(py, naming)
		if err != nil {
			return err
		}
		if i >= 2 { // the first runs fill the page cache
			call, pyRuns, namedRuns = append(call, d), append(pyRuns, p), append(namedRuns, n)
			callCPU, pyCPU, namedCPU = append(callCPU, dc), append(pyCPU, pc), append(namedCPU, nc)
		}
	}
	stdio, err := startStdio(o.bin, []string{"stdio"}, sb.vars)
	if err != nil {
		return err
	}
	cpu0 := procCPU(stdio.cmd.Process.Pid)
	warm, err := latency(o.calls, func() error { return stdio.callTool("list_org_members", map[string]any{"limit": 20}) })
	warmCPU := (procCPU(stdio.cmd.Process.Pid) - cpu0) / time.Duration(o.calls+5)
	stdio.stop()
	if err != nil {
		return err
	}
	c, p, w := summarize(call), summarize(pyRuns), summarize(warm)
	cc, pc := summarize(callCPU), summarize(pyCPU)
	n, nc := summarize(namedRuns), summarize(namedCPU)
	fmt.Println("## list_org_members: whole process and warm call against a Python urllib script (same emulator process)")
	fmt.Println()
	fmt.Println("| what | runs | wall median | wall p90 | wall min | Python ÷ this (wall medians) | CPU median (user+sys) | Python ÷ this (CPU) |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	fmt.Printf("| python3 script (urllib: organization, members; 2 requests) | %d | %s | %s | %s | 1.0× | %s | 1.0× |\n", len(pyRuns), ms(p.median), ms(p.p90), ms(p.min), ms(pc.median))
	fmt.Printf("| `elastic-access-mcp call list_org_members` (whole process) | %d | %s | %s | %s | %.1f× | %s | %.1f× |\n", len(call), ms(c.median), ms(c.p90), ms(c.min), ratio(p.median, c.median), ms(cc.median), ratio(pc.median, cc.median))
	fmt.Printf("| warm call over stdio (one running server) | %d | %s | %s | %s | %.0f× | %s (server process, per call) | %.0f× |\n", len(warm), ms(w.median), ms(w.p90), ms(w.min), ratio(p.median, w.median), ms(warmCPU), ratio(pc.median, warmCPU))
	fmt.Println()
	fmt.Println("Same answer as the tool (the script also lists the projects, 5 requests, to name them):")
	fmt.Println()
	fmt.Println("| what | runs | wall median | wall p90 | wall min | script ÷ this (wall medians) | CPU median (user+sys) | script ÷ this (CPU) |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	fmt.Printf("| python3 script naming the projects (urllib, 5 requests) | %d | %s | %s | %s | 1.0× | %s | 1.0× |\n", len(namedRuns), ms(n.median), ms(n.p90), ms(n.min), ms(nc.median))
	fmt.Printf("| `elastic-access-mcp call list_org_members` (whole process) | %d | %s | %s | %s | %.1f× | %s | %.1f× |\n", len(call), ms(c.median), ms(c.p90), ms(c.min), ratio(n.median, c.median), ms(cc.median), ratio(nc.median, cc.median))
	fmt.Println()
	return nil
}

// pythonInterpreter is the real python3 binary: a version manager's shim
// (pyenv's is a shell script) would add its own start-up to every run.
func pythonInterpreter() (string, error) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", err
	}
	if real := strings.TrimSpace(string(out)); real != "" {
		return real, nil
	}
	return py, nil
}

// procCPU is the CPU time (user + system) a process has used so far, from
// /proc/PID/stat, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after it do not.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// accessReviewScale reviews every project of an organization of
// o.reviewProjects Serverless projects with o.reviewRoles extra roles each,
// with o.reviewLatency added to every upstream request, one access_review
// call per project, with a bounded number of calls in flight. The emulators
// run in this process (a hundred clusters would not fit the sandbox
// command), the server in its own.
func accessReviewScale(o options) error {
	sb, err := sandbox.Start(sandbox.Options{CloudRateLimit: -1})
	if err != nil {
		return err
	}
	defer sb.Close()
	var ids []string
	for i := 0; i < o.reviewProjects; i++ {
		info := sb.Cloud.AddProject("elasticsearch", fmt.Sprintf("review-%03d", i))
		p := sb.Project(info.ID)
		if p == nil {
			return fmt.Errorf("project %s did not start", info.ID)
		}
		p.Cluster.AddRoles(o.reviewRoles)
		ids = append(ids, info.ID)
	}
	delay := fault.Fault{Path: "*", Kind: fault.Latency, Delay: o.reviewLatency}
	sb.Cloud.Faults().Add(delay)
	for _, id := range ids {
		sb.Project(id).Cluster.ElasticsearchFaults().Add(delay)
	}
	var env []string
	for _, kv := range sb.Vars() {
		if kv[0] == "ELASTICSEARCH_USERNAME" || kv[0] == "ELASTICSEARCH_PASSWORD" {
			continue
		}
		env = append(env, kv[0]+"="+kv[1])
	}
	fmt.Printf("## access_review over %d Serverless projects × %d extra roles, %s injected per upstream request\n\n", o.reviewProjects, o.reviewRoles, o.reviewLatency)
	fmt.Println("access_review reviews one cluster or project per call; the organization-wide review is one call per project,")
	fmt.Println("with at most N calls in flight (N HTTP sessions). Each run starts a fresh server (no cached project targets).")
	fmt.Println()
	fmt.Println("| calls in flight | projects | errors | findings | total wall | per project (median) | p99 |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for i, n := range o.reviewConcurrency {
		hs, err := startHTTP(o.bin, []string{"http", "--listen", "127.0.0.1:0"}, env)
		if err != nil {
			return err
		}
		if i == 0 {
			if err := warmEmulators(hs); err != nil {
				hs.stop()
				return err
			}
		}
		r, err := reviewAll(hs, ids, n)
		hs.stop()
		if err != nil {
			return fmt.Errorf("access_review x%d: %w", n, err)
		}
		s := summarize(r.lat)
		fmt.Printf("| %d | %d | %d | %d | %s | %s | %s |\n", n, len(ids), r.errors, r.findings, ms(r.elapsed), ms(s.median), ms(s.p99))
	}
	fmt.Println()
	return nil
}

// warmEmulators makes one whoami call: the Elasticsearch emulator builds its
// privilege model on first use (about two seconds of CPU, once per process),
// which is the emulator's cost, not the server's.
func warmEmulators(hs *httpProc) error {
	s, err := hs.session()
	if err != nil {
		return err
	}
	return s.callTool("whoami", map[string]any{})
}

type reviewResult struct {
	elapsed          time.Duration
	lat              []time.Duration
	errors, findings int
}

func reviewAll(hs *httpProc, ids []string, n int) (reviewResult, error) {
	sessions := make([]*httpSession, n)
	for i := range sessions {
		s, err := hs.session()
		if err != nil {
			return reviewResult{}, err
		}
		sessions[i] = s
	}
	work := make(chan string, len(ids))
	for _, id := range ids {
		work <- id
	}
	close(work)
	var mu sync.Mutex
	var r reviewResult
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for _, s := range sessions {
		wg.Add(1)
		go func(s *httpSession) {
			defer wg.Done()
			for id := range work {
				t := time.Now()
				res, err := s.post(map[string]any{"jsonrpc": "2.0", "id": s.nextID.Add(1), "method": "tools/call",
					"params": map[string]any{"name": "access_review", "arguments": map[string]any{"project": id}}}, true)
				if err == nil {
					err = toolError("access_review", res)
				}
				d := time.Since(t)
				found := 0
				if err == nil {
					found = countFindings(res)
				}
				mu.Lock()
				if err != nil {
					r.errors++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					r.lat = append(r.lat, d)
					r.findings += found
				}
				mu.Unlock()
			}
		}(s)
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	if r.errors == len(ids) {
		return r, firstErr
	}
	return r, nil
}

func countFindings(res []byte) int {
	var r struct {
		Structured struct {
			Findings []any `json:"findings"`
		} `json:"structuredContent"`
	}
	_ = json.Unmarshal(res, &r)
	return len(r.Structured.Findings)
}
