package cloudemu

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var theContract *contract

// TestMain loads the contract, failing the run (not skipping) if it cannot
// be found, and after a full run checks that every contract operation was
// exercised with a valid response, so the contract tests cannot silently
// shrink.
func TestMain(m *testing.M) {
	flag.Parse()
	c, err := loadContract()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cloudemu tests: cannot load the API contract:", err)
		os.Exit(1)
	}
	theContract = c
	code := m.Run()
	if testing.Verbose() {
		var seen []string
		for k := range c.undeclared {
			seen = append(seen, k)
		}
		slices.Sort(seen)
		fmt.Println("error replies whose status the contract does not declare (checked as BasicFailedReply):", seen)
	}
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		var missing []string
		for _, op := range c.allOperations() {
			if !c.exercised[op] {
				missing = append(missing, op)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintln(os.Stderr, "contract operations never exercised with a valid response:", missing)
			code = 1
		}
	}
	os.Exit(code)
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one emulator behind a real HTTP server, seeded with the demo
// organization, and a client whose every exchange is checked against the
// contract.
type env struct {
	t      *testing.T
	emu    *Emulator
	srv    *httptest.Server
	client *http.Client
	clock  *fakeClock
	seed   SeedInfo
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	emu := New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	e := &env{t: t, emu: emu, srv: srv, clock: clock}
	e.client = &http.Client{Timeout: 10 * time.Second, Transport: &contractTransport{
		c: theContract, report: t.Errorf, base: http.DefaultTransport,
	}}
	e.seed = emu.SeedDemo()
	return e
}

type response struct {
	status int
	header http.Header
	body   []byte
}

type reqOpt func(*http.Request) *http.Request

// invalidOK marks a request that deliberately breaks the contract.
func invalidOK(r *http.Request) *http.Request { return r.WithContext(allowInvalidRequest(r.Context())) }

func withHeader(k, v string) reqOpt {
	return func(r *http.Request) *http.Request { r.Header.Set(k, v); return r }
}

// do sends a request with "Authorization: ApiKey <key>" (none if key is
// empty). body is sent as is if it is a string, JSON-encoded otherwise.
func (e *env) do(method, path, key string, body any, opts ...reqOpt) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				e.t.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "ApiKey "+key)
	}
	for _, o := range opts {
		req = o(req)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) owner(method, path string, body any, opts ...reqOpt) response {
	e.t.Helper()
	return e.do(method, path, e.seed.OwnerAPIKey, body, opts...)
}

func (e *env) member(method, path string, body any, opts ...reqOpt) response {
	e.t.Helper()
	return e.do(method, path, e.seed.MemberAPIKey, body, opts...)
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// want fails unless the status is as expected and, for errors, the code in
// the body and in x-cloud-error-codes is as expected.
func (r response) want(t *testing.T, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if code == "" {
		return
	}
	var eb errorBody
	if err := json.Unmarshal(r.body, &eb); err != nil || len(eb.Errors) == 0 {
		t.Fatalf("error body %s is not an error envelope", r.body)
	}
	if eb.Errors[0].Code != code {
		t.Fatalf("code %q, want %q; body %s", eb.Errors[0].Code, code, r.body)
	}
	if h := r.header.Get("x-cloud-error-codes"); h != code {
		t.Fatalf("x-cloud-error-codes %q, want %q", h, code)
	}
}

func (r response) fields(t *testing.T) []string {
	t.Helper()
	var eb errorBody
	r.decode(t, &eb)
	return eb.Errors[0].Fields
}

const api = "/api/v1"

func (e *env) orgPath(suffix string) string {
	return api + "/organizations/" + e.seed.OrganizationID + suffix
}

func (e *env) members() map[string]OrganizationMembership {
	e.t.Helper()
	r := e.owner("GET", e.orgPath("/members"), nil)
	r.want(e.t, 200, "")
	var ms OrganizationMemberships
	r.decode(e.t, &ms)
	out := map[string]OrganizationMembership{}
	for _, m := range ms.Members {
		out[m.Email] = m
	}
	return out
}
