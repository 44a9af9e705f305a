package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/state/statetest"
	"github.com/mark3labs/mcp-go/mcp"
)

var teamOpts = servertest.Options{AllowWrites: true, AllowDestructive: true}

// Three replicas share a real Redis: an approval asked on one replica is redeemed on the next, once; replaying it
// on the third is refused. A secret link made on one opens once through another and is gone on the third.
func TestReplicasShareApprovalsAndLinks(t *testing.T) {
	redis := statetest.StartRedis(t)
	rs := startReplicas(t, 3, redis.URL(), teamOpts, nil)
	hosts := rs.hosts()

	// The balancer sends the first pass to replica 0 and the approved retry to replica 1.
	c, rr := modernClient(t, hosts, 0, nil, servertest.Accept)
	rr.next.Store(0)
	res := mustCall(t, c, "delete_probe", map[string]any{"name": "shared"})
	if res.IsError {
		t.Fatalf("approved call failed: %s", servertest.Text(res))
	}
	if n := rs.ledger.count("shared"); n != 1 {
		t.Fatalf("acted %d times, want 1", n)
	}
	answer := replayTo(t, hosts[2], rr.lastApproval(t), nil)
	if !strings.Contains(answer, `"isError":true`) || !strings.Contains(answer, "already used") {
		t.Fatalf("replay on the third replica not refused: %s", answer)
	}
	if n := rs.ledger.count("shared"); n != 1 {
		t.Fatalf("the replay acted: %d times", n)
	}

	// A link made on replica 0 opens through replica 1, once, and is gone on replica 2.
	rr.next.Store(0)
	res = mustCall(t, c, "secret_probe", map[string]any{"name": "link"})
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
	if strings.Contains(servertest.Text(res), "probe-secret-link") {
		t.Fatal("the secret reached the model")
	}
	if status, body := openLink(t, linkIn(t, res, hosts[1]), nil); status != http.StatusOK || !strings.Contains(body, "probe-secret-link") {
		t.Fatalf("open through replica 1: %d %s", status, body)
	}
	if status, body := openLink(t, linkIn(t, res, hosts[2]), nil); status != http.StatusNotFound || strings.Contains(body, "probe-secret-link") {
		t.Fatalf("second open through replica 2: %d %s", status, body)
	}
	for i, h := range rs.https {
		if status, _, body := do(t, http.MethodGet, h.BaseURL+"/healthz", nil, nil); status != http.StatusOK || !strings.Contains(body, `"kind":"redis"`) {
			t.Fatalf("healthz of replica %d: %d %s", i, status, body)
		}
	}
}

// With the store stopped mid-run, calls that need it fail with a clear tool error and nothing is done twice or
// without a record; when it returns, calls work again, and an approval issued before it lost its memory is
// refused rather than trusted.
func TestReplicasSurviveStoreOutage(t *testing.T) {
	redis := statetest.StartRedis(t)
	rs := startReplicas(t, 3, redis.URL(), teamOpts, nil)
	hosts := rs.hosts()

	// The person approves while the store goes away: the redemption cannot be recorded, so nothing is done.
	stopOnApproval := func(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
		redis.Stop()
		return servertest.Accept(ctx, req)
	}
	c, rr := modernClient(t, hosts, 0, nil, stopOnApproval)
	res := mustCall(t, c, "delete_probe", map[string]any{"name": "outage"})
	wantToolError(t, res, "state store is unreachable")
	if n := rs.ledger.count("outage"); n != 0 {
		t.Fatalf("acted %d times without a recorded approval", n)
	}
	pending := rr.lastApproval(t)

	// While it is down: no prompt is handed out, no link is made, /healthz says so.
	plain, _ := modernClient(t, hosts, 1, nil, servertest.Accept)
	wantToolError(t, mustCall(t, plain, "delete_probe", map[string]any{"name": "during"}), "state store is unreachable")
	wantToolError(t, mustCall(t, plain, "secret_probe", map[string]any{"name": "during"}), "unreachable")
	if status, _, body := do(t, http.MethodGet, rs.https[2].BaseURL+"/healthz", nil, nil); status != http.StatusServiceUnavailable || !strings.Contains(body, "unavailable") {
		t.Fatalf("healthz with the store down: %d %s", status, body)
	}
	if rs.ledger.count("during") != 0 {
		t.Fatal("acted while the store was down")
	}

	// The store returns empty (no persistence). The approval given before cannot be vouched for: refused.
	redis.Start()
	var res2 *mcp.CallToolResult
	deadline := time.Now().Add(10 * time.Second)
	for {
		res2 = mustCall(t, plain, "delete_probe", map[string]any{"name": "after"})
		if !res2.IsError || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if res2.IsError {
		t.Fatalf("no recovery after the store returned: %s", servertest.Text(res2))
	}
	if n := rs.ledger.count("after"); n != 1 {
		t.Fatalf("after recovery acted %d times", n)
	}
	answer := replayTo(t, hosts[2], pending, nil)
	if !strings.Contains(answer, `"isError":true`) || !strings.Contains(answer, "reset after this approval was issued") {
		t.Fatalf("an approval from before the store's reset was not refused: %s", answer)
	}
	if n := rs.ledger.count("outage"); n != 0 {
		t.Fatalf("the pre-outage approval acted %d times", n)
	}
}
