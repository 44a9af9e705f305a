package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// notifications collects what a client receives.
type notifications struct {
	mu  sync.Mutex
	got []mcp.JSONRPCNotification
}

func (n *notifications) listen(c *client.Client) {
	c.OnNotification(func(x mcp.JSONRPCNotification) {
		n.mu.Lock()
		n.got = append(n.got, x)
		n.mu.Unlock()
	})
}

func (n *notifications) of(method string) []map[string]any {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []map[string]any
	for _, x := range n.got {
		if x.Method == method {
			out = append(out, x.Params.AdditionalFields)
		}
	}
	return out
}

// waitFor waits until at least n notifications of method arrived (they
// travel on their own channel and may trail the result).
func (n *notifications) waitFor(method string, count int) []map[string]any {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if got := n.of(method); len(got) >= count {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	return n.of(method)
}

const plantedSecret = "Zq8vN3kT5pLw2XrY7sHd" // remembered by the redactor below

// notifyProbe logs at every level and reports progress, with a secret in
// every message.
func notifyProbe() toolkit.Tool {
	return toolkit.Define(toolkit.Spec{Name: "notify_probe", Title: "Notify probe", Toolset: toolkit.ToolsetDiagnostics, Tier: toolkit.Read},
		func(ctx context.Context, c *toolkit.Call, _ struct{}) (struct{}, error) {
			for _, l := range []mcp.LoggingLevel{mcp.LoggingLevelDebug, mcp.LoggingLevelInfo, mcp.LoggingLevelWarning, mcp.LoggingLevelError} {
				c.Log(ctx, l, fmt.Sprintf("%s message with key %s", l, plantedSecret))
			}
			for i := 1; i <= 3; i++ {
				c.Progress(ctx, i, 3, "step with key "+plantedSecret)
			}
			return struct{}{}, nil
		})
}

func TestLogNotificationsHonourTheLevelAndCarryNoSecret(t *testing.T) {
	redact.Default().Remember(plantedSecret)
	h := servertest.New(t, servertest.Options{Legacy: true})
	h.Server.Register(notifyProbe())
	var n notifications
	n.listen(h.Client)
	ctx := context.Background()
	//lint:ignore SA1019 logging/setLevel of the session-era protocol is what this test exercises
	if err := h.Client.SetLevel(ctx, mcp.SetLevelRequest{Params: mcp.SetLevelParams{Level: mcp.LoggingLevelWarning}}); err != nil {
		t.Fatal(err)
	}
	h.Call(t, "notify_probe", nil)
	n.waitFor("notifications/message", 2)
	time.Sleep(100 * time.Millisecond) // a stray lower-level message would arrive by now
	logs := n.of("notifications/message")
	var levels []string
	for _, l := range logs {
		levels = append(levels, fmt.Sprint(l["level"]))
		if data := fmt.Sprint(l["data"]); strings.Contains(data, plantedSecret) || !strings.Contains(data, "message with key") {
			t.Errorf("log notification %q: secret leaked or message lost", data)
		}
	}
	if strings.Join(levels, ",") != "warning,error" {
		t.Errorf("at level warning the client got %v, want warning,error", levels)
	}
	if p := n.of("notifications/progress"); len(p) != 0 {
		t.Errorf("progress sent without a progressToken: %v", p)
	}
}

func TestProgressNotificationsFollowTheToken(t *testing.T) {
	redact.Default().Remember(plantedSecret)
	for _, legacy := range []bool{true, false} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			h := servertest.New(t, servertest.Options{Legacy: legacy})
			h.Server.Register(notifyProbe())
			var n notifications
			n.listen(h.Client)
			var req mcp.CallToolRequest
			req.Params.Name = "notify_probe"
			req.Params.Meta = &mcp.Meta{ProgressToken: "tok-1"}
			if _, err := h.Client.CallTool(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			got := n.waitFor("notifications/progress", 3)
			if len(got) != 3 {
				t.Fatalf("got %d progress notifications, want 3: %v", len(got), got)
			}
			for i, p := range got {
				if p["progressToken"] != "tok-1" || fmt.Sprint(p["progress"]) != fmt.Sprint(i+1) || fmt.Sprint(p["total"]) != "3" {
					t.Errorf("progress %d: %v", i, p)
				}
				if strings.Contains(fmt.Sprint(p["message"]), plantedSecret) {
					t.Errorf("progress message leaks the secret: %v", p["message"])
				}
			}
		})
	}
}

// Every call logs its outcome to the client: failures at warning (with the
// redacted reason), successes at debug.
func TestCallsLogTheirOutcome(t *testing.T) {
	h := servertest.New(t, servertest.Options{Legacy: true})
	var n notifications
	n.listen(h.Client)
	ctx := context.Background()
	//lint:ignore SA1019 logging/setLevel of the session-era protocol is what this test exercises
	if err := h.Client.SetLevel(ctx, mcp.SetLevelRequest{Params: mcp.SetLevelParams{Level: mcp.LoggingLevelWarning}}); err != nil {
		t.Fatal(err)
	}
	h.Call(t, "whoami", nil)
	h.CallErr(t, "list_org_members", map[string]any{"emial": "x"})
	n.waitFor("notifications/message", 1)
	time.Sleep(100 * time.Millisecond)
	logs := n.of("notifications/message")
	if len(logs) != 1 || !strings.Contains(fmt.Sprint(logs[0]["data"]), "list_org_members failed") {
		t.Fatalf("at level warning: %v", logs)
	}
	//lint:ignore SA1019 logging/setLevel of the session-era protocol is what this test exercises
	if err := h.Client.SetLevel(ctx, mcp.SetLevelRequest{Params: mcp.SetLevelParams{Level: mcp.LoggingLevelDebug}}); err != nil {
		t.Fatal(err)
	}
	h.Call(t, "whoami", nil)
	logs = n.waitFor("notifications/message", 2)
	if len(logs) < 2 || !strings.Contains(fmt.Sprint(logs[len(logs)-1]["data"]), "whoami done") {
		t.Errorf("at level debug: %v", logs)
	}
}

// In the 2026-07-28 protocol the level travels with each request; a
// request that asks for no level gets no log notifications.
func TestModernRequestsChooseTheirLogLevel(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	var n notifications
	n.listen(h.Client)
	call := func(level mcp.LoggingLevel) {
		var req mcp.CallToolRequest
		req.Params.Name = "list_org_members"
		req.Params.Arguments = map[string]any{"emial": "x"}
		if level != "" {
			req.Params.Meta = &mcp.Meta{}
			req.Params.Meta.SetMetaField(mcp.MetaKeyLogLevel, level)
		}
		if _, err := h.Client.CallTool(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	call("")
	time.Sleep(100 * time.Millisecond)
	if got := n.of("notifications/message"); len(got) != 0 {
		t.Fatalf("a request without a level got log notifications: %v", got)
	}
	call(mcp.LoggingLevelError)
	time.Sleep(100 * time.Millisecond)
	if got := n.of("notifications/message"); len(got) != 0 {
		t.Fatalf("a warning reached a request that asked for errors only: %v", got)
	}
	call(mcp.LoggingLevelWarning)
	if got := n.waitFor("notifications/message", 1); len(got) != 1 || fmt.Sprint(got[0]["level"]) != "warning" {
		t.Fatalf("at level warning: %v", got)
	}
}

// Paging through a large organization reports each page read, and the
// numbers only ever increase.
func TestPagingReportsProgress(t *testing.T) {
	h := servertest.New(t, servertest.Options{NoElasticsearch: true, NoKibana: true})
	owner := h.Sandbox.CloudSeed.Members[h.Sandbox.CloudSeed.OwnerEmail]
	for i := 0; i < 230; i++ {
		h.Sandbox.Cloud.CreateKey(owner, fmt.Sprintf("bulk-%03d", i), 24*time.Hour, cloudemu.RoleAssignments{})
	}
	var n notifications
	n.listen(h.Client)
	var req mcp.CallToolRequest
	req.Params.Name = "list_cloud_api_keys"
	req.Params.Meta = &mcp.Meta{ProgressToken: "pages"}
	res, err := h.Client.CallTool(context.Background(), req)
	if err != nil || res.IsError {
		t.Fatalf("%v %v", err, res)
	}
	got := n.waitFor("notifications/progress", 3)
	if len(got) < 3 {
		t.Fatalf("three pages, %d progress notifications: %v", len(got), got)
	}
	last := 0.0
	for _, p := range got {
		v, _ := strconv.ParseFloat(fmt.Sprint(p["progress"]), 64)
		if v <= last {
			t.Errorf("progress went from %v to %v: %v", last, v, got)
		}
		last = v
	}
}
