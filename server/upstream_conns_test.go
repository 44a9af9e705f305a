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
	cloudBefore, esBefore := cloudConns.Load(), esConns.Load()
	if cloudBefore == 0 || esBefore == 0 {
		t.Fatalf("whoami reached the Cloud API through %d connections and Elasticsearch through %d: the proxies are not in the path", cloudBefore, esBefore)
	}
	for range 3 {
		round()
	}
	if n := cloudConns.Load() - cloudBefore; n > 0 {
		t.Errorf("%d new connections to the Cloud API after the first round of %d concurrent calls; want them reused", n, inFlight)
	}
	if n := esConns.Load() - esBefore; n > 0 {
		t.Errorf("%d new connections to Elasticsearch after the first round of %d concurrent calls; want them reused", n, inFlight)
	}
}
