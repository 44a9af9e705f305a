package server_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/metrics"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/mcp"
)

// countingProxy forwards to target and counts the TCP connections clients
// open to it.
func countingProxy(t *testing.T, target string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var opened atomic.Int64
	px := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(u))
	px.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	px.Start()
	t.Cleanup(px.Close)
	return px, &opened
}

// Concurrent calls keep their upstream connections open for the next ones,
// with the metrics transport in the chain as in the team server: the
// connections were opened and closed per request (Go's default keeps two
// idle per host), a TCP handshake and a goroutine pair on every upstream
// request under load.
func TestUpstreamConnectionsAreReusedUnderConcurrency(t *testing.T) {
	opts := servertest.Options{}
	h := servertest.New(t, opts)
	cfg := h.Config(opts)
	cfg.Metrics = metrics.New()
	cloudProxy, cloudConns := countingProxy(t, cfg.Cloud.BaseURL)
	esProxy, esConns := countingProxy(t, cfg.Elasticsearch.URL)
	cfg.Cloud.BaseURL, cfg.Elasticsearch.URL = cloudProxy.URL, esProxy.URL
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := servertest.Connect(t, srv, opts)
	const inFlight = 8
	round := func() {
		var wg sync.WaitGroup
		for range inFlight {
			wg.Go(func() {
				var req mcp.CallToolRequest
				req.Params.Name = "whoami"
				res, err := c.CallTool(context.Background(), req)
				if err != nil || res.IsError {
					t.Errorf("whoami: %v %v", err, res)
				}
			})
		}
		wg.Wait()
	}
	round() // opens up to inFlight connections per upstream
	cloudWarm, esWarm := cloudConns.Load(), esConns.Load()
	if cloudWarm == 0 || esWarm == 0 {
		t.Fatalf("whoami reached the Cloud API through %d connections and Elasticsearch through %d: the proxies are not in the path", cloudWarm, esWarm)
	}
	const rounds = 4
	for range rounds {
		round()
	}
	// Reused, the warm connections serve the later rounds: a few more may
	// open when calls overlap differently (and Go's transport dials while
	// it waits for an idle one), but fewer than one round of calls in all.
	// Opened and closed per request, each round opened most of its own.
	if n := cloudConns.Load() - cloudWarm; n >= inFlight {
		t.Errorf("%d connections opened to the Cloud API in %d more rounds of %d concurrent calls; want them reused", n, rounds, inFlight)
	}
	if n := esConns.Load() - esWarm; n >= inFlight {
		t.Errorf("%d connections opened to Elasticsearch in %d more rounds of %d concurrent calls; want them reused", n, rounds, inFlight)
	}
}
