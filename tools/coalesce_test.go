package tools_test

import (
	"sync"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// concurrently runs n calls of tool at once and fails on any error result.
func concurrently(t *testing.T, n int, call func() bool) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if !call() {
				t.Error("a call failed")
			}
		})
	}
	wg.Wait()
}

// Read-only calls in flight at once share identical upstream reads sent
// after they began: eight whoami calls that reach _authenticate together
// send it about once. Calls that may change something never share, so a
// write's own reads always see the state after the calls before it.
func TestConcurrentReadOnlyCallsShareIdenticalReads(t *testing.T) {
	opts := servertest.Options{AllowWrites: true, Elicit: servertest.Accept}
	h := servertest.New(t, opts)
	c, log := countedServer(t, h, opts)
	slow := func(inj *fault.Injector, method, path string) {
		inj.Add(fault.Fault{Method: method, Path: path, Kind: fault.Latency, Delay: 150 * time.Millisecond})
	}
	// The organization read first holds every call until all have begun;
	// then their _authenticate requests overlap.
	slow(h.Sandbox.Cloud.Faults(), "GET", "/api/v1/organizations/*")
	slow(h.Sandbox.Stack.ElasticsearchFaults(), "GET", "/_security/_authenticate")
	const n = 8
	sent := log.during(func() {
		concurrently(t, n, func() bool { return !servertest.CallTool(t, c, "whoami", nil).IsError })
	})
	if got := matching(sent, "/_security/_authenticate"); got > 2 {
		t.Errorf("%d _authenticate requests for %d overlapping whoami calls; want them shared (1, at most 2)", got, n)
	}

	slow(h.Sandbox.Stack.ElasticsearchFaults(), "GET", "/_security/role/*")
	sent = log.during(func() {
		concurrently(t, n, func() bool {
			return !servertest.CallTool(t, c, "put_role", map[string]any{"name": "shared-read", "dry_run": true,
				"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}}).IsError
		})
	})
	if got := matching(sent, "GET /_security/role/shared-read"); got < n {
		t.Errorf("%d reads of the role for %d put_role calls; a call that may change something must send its own", got, n)
	}
}
