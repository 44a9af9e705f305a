package cloudapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
)

// countingTransport counts requests by method and path, and keeps the last
// request headers, to observe what the client really sends.
type countingTransport struct {
	mu      sync.Mutex
	counts  map[string]int
	headers []http.Header
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.mu.Lock()
	if ct.counts == nil {
		ct.counts = map[string]int{}
	}
	ct.counts[r.Method+" "+r.URL.Path]++
	ct.headers = append(ct.headers, r.Header.Clone())
	ct.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (ct *countingTransport) count(key string) int {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return ct.counts[key]
}

type env struct {
	emu  *cloudemu.Emulator
	seed cloudemu.SeedInfo
	srv  *httptest.Server
	tr   *countingTransport
}

func newEnv(t *testing.T, opts cloudemu.Options) *env {
	t.Helper()
	emu := cloudemu.New(opts)
	seed := emu.SeedDemo()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &env{emu: emu, seed: seed, srv: srv, tr: &countingTransport{}}
}

func (e *env) client(t *testing.T, mod func(*cloudapi.Config)) *cloudapi.Client {
	t.Helper()
	cfg := cloudapi.Config{BaseURL: e.srv.URL, APIKey: e.seed.OwnerAPIKey, Transport: e.tr, UserAgent: "elastic-access-mcp/test",
		BaseDelay: time.Millisecond, MaxDelay: 50 * time.Millisecond, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := cloudapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHeadersAndDiscovery(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, nil)
	ctx := context.Background()
	org, err := c.GetOrganization(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if org.ID != e.seed.OrganizationID || org.Name != cloudemu.DemoOrganizationName {
		t.Fatalf("organization = %+v", org)
	}
	if _, err := c.ListMembers(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.tr.count("GET /api/v1/organizations"); n != 1 {
		t.Fatalf("organization discovery ran %d times, want once (cached)", n)
	}
	ids := map[string]bool{}
	for _, h := range e.tr.headers {
		if h.Get("Authorization") != "ApiKey "+e.seed.OwnerAPIKey {
			t.Fatalf("Authorization header = %q", h.Get("Authorization"))
		}
		if h.Get("User-Agent") != "elastic-access-mcp/test" {
			t.Fatalf("User-Agent = %q", h.Get("User-Agent"))
		}
		id := h.Get("X-Opaque-Id")
		if id == "" || ids[id] {
			t.Fatalf("X-Opaque-Id %q missing or reused", id)
		}
		ids[id] = true
	}
	if c.KeyExpiration() == "" {
		t.Fatal("the key expiration header was not recorded")
	}
}

func TestConfiguredOrganizationSkipsDiscovery(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.OrganizationID = e.seed.OrganizationID })
	if _, err := c.ListMembers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := e.tr.count("GET /api/v1/organizations"); n != 0 {
		t.Fatalf("discovery ran %d times with a configured organization", n)
	}
}

func TestSeveralOrganizationsAskForOne(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"organizations":[{"id":"111","name":"Prod"},{"id":"222","name":"Dev"}],"unknown":1}`))
	}))
	defer srv.Close()
	c, err := cloudapi.New(cloudapi.Config{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.OrganizationID(context.Background())
	var amb *cloudapi.AmbiguousOrganizationError
	if !errors.As(err, &amb) {
		t.Fatalf("err = %v, want AmbiguousOrganizationError", err)
	}
	for _, want := range []string{"111 (Prod)", "222 (Dev)", "EC_ORGANIZATION_ID"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not mention %q", err, want)
		}
	}
}

func TestErrorDecoding(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.APIKey = e.seed.MemberAPIKey })
	_, err := c.ListAPIKeys(context.Background())
	var ce *cloudapi.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %T %v", err, err)
	}
	if ce.HTTPStatus() != http.StatusForbidden || len(ce.Codes) == 0 || len(ce.Messages) == 0 {
		t.Fatalf("error = %+v", ce)
	}
	if !strings.HasPrefix(ce.Summary(), "403 "+ce.Codes[0]+": ") {
		t.Fatalf("summary = %q", ce.Summary())
	}
	if strings.Contains(err.Error(), e.seed.MemberAPIKey) || strings.Contains(err.Error(), "ApiKey") {
		t.Fatalf("error leaks the credential: %v", err)
	}
	if n := e.tr.count("GET /api/v1/users/auth/keys"); n != 1 {
		t.Fatalf("a 403 was retried: %d attempts", n)
	}
}

func TestInvitationTokensNeverInErrors(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, nil)
	secret := "tok3n-that-does-not-exist"
	err := c.DeleteInvitations(context.Background(), []string{secret})
	if err == nil {
		t.Fatal("deleting an unknown invitation succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error leaks the invitation token: %v", err)
	}
	// And when the connection fails, the URL (which holds the token) is not
	// echoed either.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	c2, _ := cloudapi.New(cloudapi.Config{BaseURL: dead.URL, APIKey: "k", OrganizationID: "1", BaseDelay: time.Millisecond, MaxAttempts: 2})
	err = c2.DeleteInvitations(context.Background(), []string{secret})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("connection error = %v", err)
	}
}

func TestRetriesIdempotentOn5xxAndSucceeds(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.OrganizationID = e.seed.OrganizationID })
	path := "/api/v1/organizations/" + e.seed.OrganizationID + "/members"
	e.emu.Faults().Add(fault.Fault{Method: "GET", Path: path, Kind: fault.Status, Status: 503, Times: 2})
	ms, err := c.ListMembers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 4 {
		t.Fatalf("members = %d", len(ms))
	}
	if n := e.tr.count("GET " + path); n != 3 {
		t.Fatalf("attempts = %d, want 3", n)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.OrganizationID = e.seed.OrganizationID; cfg.MaxAttempts = 3 })
	path := "/api/v1/organizations/" + e.seed.OrganizationID + "/members"
	e.emu.Faults().Add(fault.Fault{Method: "GET", Path: path, Kind: fault.Status, Status: 502})
	_, err := c.ListMembers(context.Background())
	var ce *cloudapi.Error
	if !errors.As(err, &ce) || ce.Status != 502 {
		t.Fatalf("err = %v", err)
	}
	if n := e.tr.count("GET " + path); n != 3 {
		t.Fatalf("attempts = %d, want 3", n)
	}
}

func TestNoRetryOfPostOn5xxOrDrop(t *testing.T) {
	for _, f := range []fault.Fault{
		{Method: "POST", Path: "/api/v1/users/auth/keys", Kind: fault.Status, Status: 503},
		{Method: "POST", Path: "/api/v1/users/auth/keys", Kind: fault.Drop},
		{Method: "POST", Path: "/api/v1/users/auth/keys", Kind: fault.Truncate},
	} {
		t.Run(string(f.Kind), func(t *testing.T) {
			e := newEnv(t, cloudemu.Options{})
			c := e.client(t, nil)
			e.emu.Faults().Add(f)
			_, err := c.CreateAPIKey(context.Background(), cloudapi.CreateAPIKeyRequest{Description: "x", Expiration: "1d"})
			if err == nil {
				t.Fatal("create succeeded through a fault")
			}
			if n := e.tr.count("POST /api/v1/users/auth/keys"); n != 1 {
				t.Fatalf("a non-idempotent POST was sent %d times", n)
			}
		})
	}
}

func TestRetriesDroppedAndMalformedReads(t *testing.T) {
	for _, k := range []fault.Kind{fault.Drop, fault.Malformed, fault.Truncate} {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, cloudemu.Options{})
			c := e.client(t, nil)
			e.emu.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/users/auth/keys", Kind: k, Times: 1})
			keys, err := c.ListAPIKeys(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 2 {
				t.Fatalf("keys = %d", len(keys))
			}
			if n := e.tr.count("GET /api/v1/users/auth/keys"); n != 2 {
				t.Fatalf("attempts = %d, want 2", n)
			}
		})
	}
}

func TestRateLimitRetriesPostAndHonoursRetryAfter(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.MaxDelay = 3 * time.Second })
	e.emu.Faults().Add(fault.Fault{Method: "POST", Path: "/api/v1/users/auth/keys", Kind: fault.RateLimit, RetryAfter: 1, Times: 1})
	start := time.Now()
	k, err := c.CreateAPIKey(context.Background(), cloudapi.CreateAPIKeyRequest{Description: "ci", Expiration: "1d"})
	if err != nil {
		t.Fatal(err)
	}
	if k.Key == "" || k.ID == "" {
		t.Fatalf("created key = %+v", k)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %s, before the Retry-After of 1s", d)
	}
	if n := e.tr.count("POST /api/v1/users/auth/keys"); n != 2 {
		t.Fatalf("attempts = %d, want 2", n)
	}
}

func TestRetryAfterLongerThanCapIsReported(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.MaxDelay = 100 * time.Millisecond })
	e.emu.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/users/auth/keys", Kind: fault.RateLimit, RetryAfter: 60})
	start := time.Now()
	_, err := c.ListAPIKeys(context.Background())
	var ce *cloudapi.Error
	if !errors.As(err, &ce) || ce.Status != 429 || ce.RetryAfter != time.Minute {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("the client waited for a Retry-After beyond its cap")
	}
	if !strings.Contains(ce.Summary(), "retry after 1m0s") {
		t.Fatalf("summary = %q", ce.Summary())
	}
}

func TestRateLimitBackoffWithoutRetryAfterIsBounded(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) {
		cfg.BaseDelay = 20 * time.Millisecond
		cfg.MaxDelay = 40 * time.Millisecond
		cfg.MaxAttempts = 4
	})
	e.emu.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/users/auth/keys", Kind: fault.RateLimit})
	start := time.Now()
	_, err := c.ListAPIKeys(context.Background())
	if err == nil {
		t.Fatal("no error under permanent 429")
	}
	// Three waits, each below MaxDelay (full jitter never exceeds the cap).
	if d := time.Since(start); d > 3*40*time.Millisecond+time.Second {
		t.Fatalf("backoff took %s, beyond its bound", d)
	}
	if n := e.tr.count("GET /api/v1/users/auth/keys"); n != 4 {
		t.Fatalf("attempts = %d, want 4", n)
	}
}

func TestCancellationAbortsBackoff(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.BaseDelay = 10 * time.Second; cfg.MaxDelay = 10 * time.Second })
	e.emu.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/users/auth/keys", Kind: fault.Status, Status: 503})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ListAPIKeys(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the context's cancellation", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancellation took %s", d)
	}
}

func TestCancellationAbortsSlowRequest(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, nil)
	e.emu.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/users/auth/keys", Kind: fault.Latency, Delay: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ListAPIKeys(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("cancellation did not abort the request")
	}
	if n := e.tr.count("GET /api/v1/users/auth/keys"); n != 1 {
		t.Fatalf("a cancelled request was retried: %d", n)
	}
}

func TestTimeoutPerAttempt(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.Timeout = 100 * time.Millisecond; cfg.MaxAttempts = 2 })
	e.emu.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/users/auth/keys", Kind: fault.Latency, Delay: 2 * time.Second})
	_, err := c.ListAPIKeys(context.Background())
	var ce *cloudapi.Error
	if !errors.As(err, &ce) || !ce.Timeout() || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if n := e.tr.count("GET /api/v1/users/auth/keys"); n != 2 {
		t.Fatalf("a timed-out GET was tried %d times, want 2", n)
	}
}

func TestPaginationFollowsCursors(t *testing.T) {
	e := newEnv(t, cloudemu.Options{PageSize: 2})
	for i := 0; i < 5; i++ {
		e.emu.CreateKey(e.seed.OwnerUserID, "k", time.Hour, cloudemu.RoleAssignments{})
	}
	c := e.client(t, nil)
	keys, err := c.ListAPIKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 7 {
		t.Fatalf("keys = %d, want 7", len(keys))
	}
	if n := e.tr.count("GET /api/v1/users/auth/keys"); n != 4 {
		t.Fatalf("pages = %d, want 4", n)
	}
	// Page at a time.
	page, next, err := c.APIKeysPage(context.Background(), "")
	if err != nil || len(page) != 2 || next == "" {
		t.Fatalf("first page: %d keys, next %q, err %v", len(page), next, err)
	}
	// Projects page too.
	projects, err := c.ListAllProjects(context.Background())
	if err != nil || len(projects) != 3 {
		t.Fatalf("projects = %d, %v", len(projects), err)
	}
}

func TestPaginationStopsOnRepeatingCursorAndAtCap(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("next_page") == "" {
			_, _ = w.Write([]byte(`{"keys":[{"id":"a","description":"x","creation_date":"2026-01-01T00:00:00Z"}],"next_page":"same"}`))
			return
		}
		_ = n
		_, _ = w.Write([]byte(`{"keys":[{"id":"a","description":"x","creation_date":"2026-01-01T00:00:00Z"}],"next_page":"same"}`))
	}))
	defer srv.Close()
	c, _ := cloudapi.New(cloudapi.Config{BaseURL: srv.URL, APIKey: "k"})
	keys, err := c.ListAPIKeys(context.Background())
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %v, err = %v", keys, err)
	}
	if calls.Load() != 2 {
		t.Fatalf("calls = %d: a repeating cursor was followed", calls.Load())
	}

	var n atomic.Int32
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[],"next_page":"c` + string(rune('a'+i%26)) + strings.Repeat("x", int(i)) + `"}`))
	}))
	defer endless.Close()
	c2, _ := cloudapi.New(cloudapi.Config{BaseURL: endless.URL, APIKey: "k", MaxPages: 5})
	if _, err := c2.ListAPIKeys(context.Background()); err == nil || n.Load() != 5 {
		t.Fatalf("endless cursor: err %v after %d pages", err, n.Load())
	}
}

func TestDeleteWithBodyAndEmptyResponses(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, nil)
	ctx := context.Background()
	id, _ := e.emu.CreateKey(e.seed.OwnerUserID, "temp", time.Hour, cloudemu.RoleAssignments{})
	if err := c.DeleteAPIKeys(ctx, []string{id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAPIKey(ctx, id); err == nil {
		t.Fatal("the key still exists after a bulk delete")
	}
	bob := e.seed.Members[cloudemu.DemoBobEmail]
	if err := c.RemoveRoleAssignments(ctx, bob, cloudapi.RoleAssignments{Organization: []cloudapi.OrganizationRoleAssignment{{RoleID: "billing-admin", OrganizationID: e.seed.OrganizationID}}}); err != nil {
		t.Fatal(err)
	}
	ra, _ := e.emu.RoleAssignmentsOf(bob)
	if len(ra.Organization) != 0 {
		t.Fatalf("bob still holds %+v", ra.Organization)
	}

	// A 204/empty 2xx body decodes as {}.
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer empty.Close()
	c2, _ := cloudapi.New(cloudapi.Config{BaseURL: empty.URL, APIKey: "k", OrganizationID: "1"})
	if err := c2.RemoveMembers(ctx, []string{"1"}); err != nil {
		t.Fatalf("empty 2xx body: %v", err)
	}
	if ms, err := c2.ListMembers(ctx); err != nil || len(ms) != 0 {
		t.Fatalf("empty list body: %v %v", ms, err)
	}
}

func TestProjectsAndRoles(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, nil)
	ctx := context.Background()
	p := e.seed.Projects["observability"]
	got, err := c.GetProject(ctx, "observability", p.ID)
	if err != nil || got.Name != "obs-demo" || got.Endpoints["kibana"] == "" {
		t.Fatalf("project = %+v, %v", got, err)
	}
	roles, err := c.ProjectRoles(ctx, "observability", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range roles {
		found = found || r.Name == "logs-reader"
	}
	if !found {
		t.Fatalf("roles = %+v", roles)
	}
	var ce *cloudapi.Error
	if _, err := c.GetProject(ctx, "security", p.ID); !errors.As(err, &ce) || ce.Status != 404 {
		t.Fatalf("wrong-type project: %v", err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	if _, err := cloudapi.New(cloudapi.Config{}); err == nil {
		t.Fatal("a client without a key was built")
	}
	if _, err := cloudapi.New(cloudapi.Config{APIKey: "k", BaseURL: "not a url"}); err == nil {
		t.Fatal("a relative base URL was accepted")
	}
	c, err := cloudapi.New(cloudapi.Config{APIKey: "k", BaseURL: "https://api.example.com/api/v1/"})
	if err != nil || c.BaseURL() != "https://api.example.com" {
		t.Fatalf("base URL = %q, %v", c.BaseURL(), err)
	}
}

// A backoff that would outlast the call's deadline is not started: the
// caller gets the service's answer at once instead of a timeout later.
func TestBackoffFitsInsideTheDeadline(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.BaseDelay = 10 * time.Second; cfg.MaxDelay = 10 * time.Second })
	e.emu.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/users/auth/keys", Kind: fault.RateLimit, RetryAfter: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.ListAPIKeys(ctx)
	var ae *cloudapi.Error
	if !errors.As(err, &ae) || ae.Status != 429 {
		t.Fatalf("err = %v, want the 429 itself", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the call waited out its deadline")
	}
}

// A POST whose answer is lost is not repeated and says it may have been
// applied; a DELETE is not repeated either.
func TestLostWriteIsReportedAsMaybeApplied(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	c := e.client(t, nil)
	e.emu.Faults().Add(fault.Fault{Method: "POST", Path: "/api/v1/users/auth/keys", Kind: fault.Status, Status: 502, Times: 1})
	_, err := c.CreateAPIKey(context.Background(), cloudapi.CreateAPIKeyRequest{Description: "k", Expiration: "1d"})
	if !cloudapi.MaybeApplied(err) {
		t.Fatalf("err = %v, want MaybeApplied", err)
	}
	if n := e.tr.count("POST /api/v1/users/auth/keys"); n != 1 {
		t.Fatalf("POST sent %d times", n)
	}
	e.emu.Faults().Add(fault.Fault{Method: "DELETE", Path: "/api/v1/users/auth/keys", Kind: fault.Status, Status: 503, Times: 1})
	_ = c.DeleteAPIKeys(context.Background(), []string{"nope"})
	if n := e.tr.count("DELETE /api/v1/users/auth/keys"); n != 1 {
		t.Fatalf("DELETE sent %d times after a 503", n)
	}
}

func TestBaseURLIsShownWithoutCredentials(t *testing.T) {
	c, err := cloudapi.New(cloudapi.Config{BaseURL: "https://ops:hunter2-secret@cloud.example/api/v1", APIKey: "essu_x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.BaseURL(); strings.Contains(got, "hunter2") || got != "https://cloud.example" {
		t.Errorf("BaseURL() = %q", got)
	}
}

// meetTransport holds each request until n are in flight at once (or a
// while has passed), and remembers the most it saw.
type meetTransport struct {
	n        int
	mu       sync.Mutex
	inFlight int
	most     int
	all      chan struct{}
}

func (m *meetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	m.mu.Lock()
	m.inFlight++
	m.most = max(m.most, m.inFlight)
	if m.inFlight == m.n {
		close(m.all)
	}
	m.mu.Unlock()
	select {
	case <-m.all:
	case <-time.After(2 * time.Second):
	}
	defer func() { m.mu.Lock(); m.inFlight--; m.mu.Unlock() }()
	return http.DefaultTransport.RoundTrip(req)
}

// The projects of the three types are listed at once, not one after another.
func TestListAllProjectsListsTheTypesAtOnce(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	mt := &meetTransport{n: len(cloudapi.ProjectTypes), all: make(chan struct{})}
	c := e.client(t, func(cfg *cloudapi.Config) { cfg.Transport = mt })
	ps, err := c.ListAllProjects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if mt.most != len(cloudapi.ProjectTypes) {
		t.Fatalf("at most %d project listings were in flight at once; want %d", mt.most, len(cloudapi.ProjectTypes))
	}
	for i := 1; i < len(ps); i++ {
		if slices.Index(cloudapi.ProjectTypes, ps[i-1].Type) > slices.Index(cloudapi.ProjectTypes, ps[i].Type) {
			t.Fatalf("projects out of type order: %s before %s", ps[i-1].Type, ps[i].Type)
		}
	}
	if len(ps) == 0 {
		t.Fatal("the demo organization has projects")
	}
}
