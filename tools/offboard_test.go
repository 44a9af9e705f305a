package tools_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/mcp"
)

// offboardHarness has both planes, and gives alice (Cloud member with a
// Cloud API key, native user with her email) an Elasticsearch API key.
func offboardHarness(t *testing.T, a *approvals) (h *servertest.Harness, esKeyID string) {
	t.Helper()
	h = esHarness(t, "stack", func(o *servertest.Options) { o.Elicit = a.elicit })
	ctx := context.Background()
	admin := esAdmin(t, h)
	if _, err := admin.PutRole(ctx, "key-maker", esapi.RoleDescriptor{Cluster: []string{"manage_own_api_key"}}); err != nil {
		t.Fatal(err)
	}
	email := "alice@example.com"
	if _, err := admin.PutUser(ctx, "alice", esapi.PutUserBody{Password: "alice-offboard-pw", Roles: []string{"viewer", "key-maker"}, Email: &email, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	k, err := esAs(t, h, esapi.Config{Username: "alice", Password: "alice-offboard-pw"}).CreateAPIKey(ctx, esapi.CreateAPIKeyRequest{Name: "alice-laptop"})
	if err != nil {
		t.Fatal(err)
	}
	return h, k.ID
}

func esKeyInvalidated(t *testing.T, h *servertest.Harness, id string) bool {
	t.Helper()
	res, err := esAdmin(t, h).QueryAPIKeys(context.Background(), map[string]any{"query": map[string]any{"ids": map[string]any{"values": []string{id}}}})
	if err != nil || len(res.APIKeys) != 1 {
		t.Fatalf("key %s: %v %v", id, res, err)
	}
	return res.APIKeys[0].Invalidated
}

func cloudKeyAlive(h *servertest.Harness, key string) bool {
	_, ok := h.Sandbox.Cloud.AuthenticateKey(key)
	return ok
}

func TestOffboardPerson(t *testing.T) {
	a := &approvals{}
	h, esKey := offboardHarness(t, a)
	args := map[string]any{"identity": "alice@example.com"}

	// Validation.
	h.CallErr(t, "offboard_person", map[string]any{})
	mustContain(t, h.CallErr(t, "offboard_person", map[string]any{"identity": "a*"}), "wildcards")
	h.CallErr(t, "offboard_person", map[string]any{"identity": "alice", "native_user": "archive"})

	// Dry run: one plan across both planes, nothing changed, no token shown.
	out := h.CallOK(t, "offboard_person", map[string]any{"identity": "alice@example.com", "dry_run": true})
	if out["outcome"] != "planned" {
		t.Fatalf("dry run: %s", dump(out))
	}
	plan := dump(out["steps"])
	mustContain(t, plan, "delete_cloud_api_key", "remove_member", "invalidate_es_api_key", "alice-laptop", "disable_user")
	if len(asList(out["would_send"])) != len(asList(out["steps"])) {
		t.Errorf("would_send does not match the steps: %s", dump(out))
	}
	if !isMember(h, "alice@example.com") || esKeyInvalidated(t, h, esKey) || !cloudKeyAlive(h, seed(h).MemberAPIKey) {
		t.Fatal("the dry run changed something")
	}

	// Declined: nothing changes.
	a.decline = true
	h.CallErr(t, "offboard_person", args)
	a.decline = false
	if !isMember(h, "alice@example.com") {
		t.Fatal("a declined offboarding removed the member")
	}

	// Approved once, then every step runs.
	out = h.CallOK(t, "offboard_person", args)
	if out["outcome"] != "complete" {
		t.Fatalf("offboarding: %s", dump(out))
	}
	mustContain(t, a.last(), "Offboard alice@example.com", "remove member", "disable user alice")
	if isMember(h, "alice@example.com") || !esKeyInvalidated(t, h, esKey) || cloudKeyAlive(h, seed(h).MemberAPIKey) {
		t.Error("some access survived the offboarding")
	}
	if u, _ := esReadUser(t, h, "alice"); u.Enabled {
		t.Error("alice is still enabled")
	}
	// Nothing left: a second run finds nothing.
	out = h.CallOK(t, "offboard_person", args)
	if out["outcome"] != "nothing_found" {
		t.Errorf("second run: %s", dump(out))
	}
}

// A pending invitation is cancelled without its token ever being shown.
func TestOffboardPersonCancelsInvitations(t *testing.T) {
	a := &approvals{}
	h, _ := offboardHarness(t, a)
	out := h.CallOK(t, "offboard_person", map[string]any{"identity": seed(h).PendingInvitationEmail, "dry_run": true})
	mustContain(t, dump(out), "cancel_invitation")
	mustNotContain(t, dump(out), seed(h).PendingInvitationToken)
	out = h.CallOK(t, "offboard_person", map[string]any{"identity": seed(h).PendingInvitationEmail})
	if out["outcome"] != "complete" {
		t.Fatalf("%s", dump(out))
	}
	mustNotContain(t, dump(out)+a.last(), seed(h).PendingInvitationToken)
}

// When a step fails the others still run, and the report says what remains.
func TestOffboardPersonPartialFailure(t *testing.T) {
	a := &approvals{}
	h, esKey := offboardHarness(t, a)
	h.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "DELETE", Path: "/api/v1/organizations/*/members/*", Kind: fault.Status, Status: 500, Times: 10})
	out := h.CallOK(t, "offboard_person", map[string]any{"identity": "alice@example.com", "native_user": "delete"})
	if out["outcome"] != "partial" {
		t.Fatalf("%s", dump(out))
	}
	mustContain(t, dump(out["remaining"]), "remove member alice@example.com")
	if !isMember(h, "alice@example.com") {
		t.Error("the failed step reports a failure but removed the member")
	}
	if !esKeyInvalidated(t, h, esKey) {
		t.Error("a failed Cloud step stopped the Elasticsearch steps")
	}
	if _, exists := esReadUser(t, h, "alice"); exists {
		t.Error("native_user delete left the user")
	}
	for _, s := range asList(out["steps"]) {
		m := asMap(s)
		if m["action"] == "remove_member" && (m["status"] != "failed" || !strings.Contains(m["error"].(string), "500")) {
			t.Errorf("failed step: %v", m)
		}
	}
}

// An upstream failure while planning changes nothing and says so.
func TestOffboardPersonPlanningFailure(t *testing.T) {
	a := &approvals{}
	h, esKey := offboardHarness(t, a)
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "GET", Path: "/_security/user", Kind: fault.Status, Status: 503, Times: 10})
	h.CallErr(t, "offboard_person", map[string]any{"identity": "alice@example.com"})
	if !isMember(h, "alice@example.com") || esKeyInvalidated(t, h, esKey) {
		t.Error("a failed plan changed something")
	}
}

// A cancelled offboarding stops before the next upstream call: the steps
// after the one in flight are never sent.
func TestOffboardPersonStopsWhenCancelled(t *testing.T) {
	a := &approvals{}
	h, esKey := offboardHarness(t, a)
	// The first step (deleting alice's Cloud key) hangs until the call is
	// cancelled.
	h.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "DELETE", Path: "/api/v1/users/auth/keys*", Kind: fault.Latency, Delay: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	var req mcp.CallToolRequest
	req.Params.Name = "offboard_person"
	req.Params.Arguments = map[string]any{"identity": "alice@example.com"}
	_, _ = h.Client.CallTool(ctx, req)
	time.Sleep(2500 * time.Millisecond) // longer than the hang: the handler has ended
	if !isMember(h, "alice@example.com") {
		t.Error("the membership was removed after the call was cancelled")
	}
	if esKeyInvalidated(t, h, esKey) {
		t.Error("the Elasticsearch key was invalidated after the call was cancelled")
	}
	if u, _ := esReadUser(t, h, "alice"); !u.Enabled {
		t.Error("alice was disabled after the call was cancelled")
	}
}
