package tools_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/mcp"
)

// approvals records what the person was asked and answers with answer.
type approvals struct {
	mu       sync.Mutex
	messages []string
	decline  bool
}

func (a *approvals) elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	a.mu.Lock()
	a.messages = append(a.messages, req.Params.Message)
	decline := a.decline
	a.mu.Unlock()
	if decline {
		return servertest.Decline(ctx, req)
	}
	return servertest.Accept(ctx, req)
}

func (a *approvals) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.messages) == 0 {
		return ""
	}
	return a.messages[len(a.messages)-1]
}

func monitorKey(name string) map[string]any {
	return map[string]any{"name": name, "expiration": "1d", "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitor"}}}}
}

// keyDescriptors returns the descriptor names of the key with id.
func keyDescriptors(t *testing.T, h *servertest.Harness, id string) (roles string, metadata string) {
	t.Helper()
	for _, k := range asList(h.CallOK(t, "list_es_api_keys", nil)["keys"]) {
		if m := asMap(k); m["id"] == id {
			return dump(m["role_descriptors"]), dump(m["metadata"])
		}
	}
	t.Fatalf("no key %s", id)
	return "", ""
}

func TestUpdateESAPIKey(t *testing.T) {
	a := &approvals{}
	h := esHarness(t, "stack", func(o *servertest.Options) { o.ESBasicAuth = true; o.Elicit = a.elicit })
	k1 := h.CallOK(t, "create_es_api_key", monitorKey("k1"))["id"].(string)
	k2 := h.CallOK(t, "create_es_api_key", monitorKey("k2"))["id"].(string)
	reader := map[string]any{"logs-reader": map[string]any{"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}}}

	// Validation, before anything is sent.
	mustContain(t, h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{k1}}), "at least one of")
	mustContain(t, h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{}}), "ids")
	mustContain(t, h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{k1}, "expiration": "365d"}), "longer than this server allows")
	mustContain(t, h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{k1}, "role_descriptors": map[string]any{}}), "every privilege of their owner")
	mustContain(t, h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{"nope"}, "metadata": map[string]any{"a": 1}}), "no API keys with ids nope")
	mustContain(t, h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{k1}, "role_descriptors": map[string]any{"r": map[string]any{"cluster": []any{"monitr"}}}}), "unknown cluster privilege")

	// Dry run: the request is shown, nothing changes.
	out := h.CallOK(t, "update_es_api_key", map[string]any{"ids": []any{k1}, "role_descriptors": reader, "dry_run": true})
	mustContain(t, dump(out["would_send"]), "/_security/api_key/"+k1, "logs-reader")
	if roles, _ := keyDescriptors(t, h, k1); strings.Contains(roles, "logs-reader") {
		t.Fatal("the dry run changed the key")
	}

	// Declined: nothing changes.
	a.decline = true
	h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{k1}, "role_descriptors": reader})
	if roles, _ := keyDescriptors(t, h, k1); strings.Contains(roles, "logs-reader") {
		t.Fatal("a declined update changed the key")
	}
	a.decline = false

	// Both keys at once (bulk), with metadata.
	out = h.CallOK(t, "update_es_api_key", map[string]any{"ids": []any{k1, k2}, "role_descriptors": reader, "metadata": map[string]any{"team": "obs"}})
	mustContain(t, dump(out["updated"]), k1, k2)
	mustContain(t, a.last(), "update API keys", "logs-reader")
	for _, id := range []string{k1, k2} {
		roles, meta := keyDescriptors(t, h, id)
		mustContain(t, roles+meta, "logs-reader", "obs")
		mustNotContain(t, roles, `"r"`)
	}

	// Widening to superuser-like power is an escalation the policy names.
	h.CallOK(t, "update_es_api_key", map[string]any{"ids": []any{k1}, "role_descriptors": map[string]any{"god": map[string]any{"cluster": []any{"all"}}}})
	mustContain(t, a.last(), "escalates")

	// Upstream failure: the error says so, and the key is unchanged.
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "PUT", Path: "/_security/api_key/*", Kind: fault.Status, Status: 500, Times: 10})
	h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{k2}, "metadata": map[string]any{"team": "sec"}})
	if _, meta := keyDescriptors(t, h, k2); strings.Contains(meta, "sec") {
		t.Fatal("a failed update changed the key")
	}
}

// An API key credential cannot update keys; the tool says what to do
// instead of sending a request Elasticsearch refuses.
func TestUpdateESAPIKeyWithAnAPIKeyCredential(t *testing.T) {
	h := esHarness(t, "stack")
	var id string
	for _, k := range asList(h.CallOK(t, "list_es_api_keys", map[string]any{"name": "ci-metrics"})["keys"]) {
		id = asMap(k)["id"].(string)
	}
	mustContain(t, h.CallErr(t, "update_es_api_key", map[string]any{"ids": []any{id}, "metadata": map[string]any{"a": "b"}}), "does not let an API key update API keys")
}
