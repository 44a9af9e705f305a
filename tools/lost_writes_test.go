package tools_test

import (
	"context"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// When a write's answer is lost, the tool checks what is there and says it:
// these tests apply the write in the sandbox and then lose its answer
// (fault.Truncate), or lose the request before it is applied (fault.Drop).

var lostKeyArgs = map[string]any{"name": "ci-shipper", "expiration": "1d", "role_descriptors": map[string]any{
	"reader": map[string]any{"indices": []any{map[string]any{"names": []string{"logs-*"}, "privileges": []string{"read"}}}}}}

// esKeysNamed lists the valid keys with a name, read straight from the cluster.
func esKeysNamed(t *testing.T, h *servertest.Harness, name string) []esapi.APIKey {
	t.Helper()
	res, err := esAdmin(t, h).QueryAPIKeys(context.Background(), map[string]any{"query": map[string]any{"bool": map[string]any{"filter": []any{
		map[string]any{"term": map[string]any{"name": name}}, map[string]any{"term": map[string]any{"invalidated": false}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return res.APIKeys
}

func TestLostESKeyAnswerNamesTheKeyThatWasCreated(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.ESBasicAuth = true })
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "POST", Path: "/_security/api_key", Kind: fault.Truncate, Times: 1})
	text := h.CallErr(t, "create_es_api_key", lostKeyArgs)
	keys := esKeysNamed(t, h, "ci-shipper")
	if len(keys) != 1 {
		t.Fatalf("%d keys named ci-shipper after one applied creation", len(keys))
	}
	mustContain(t, text, "found it", keys[0].ID, "invalidate_es_api_keys ids=["+keys[0].ID+"]")
	if len(h.SecretFiles(t)) != 0 {
		t.Error("a secret file was written for a key whose secret never arrived")
	}
}

func TestLostESKeyAnswerSaysWhenNothingWasCreated(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.ESBasicAuth = true })
	// An older key with the same name is not mistaken for the lost one.
	h.CallOK(t, "create_es_api_key", lostKeyArgs)
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "POST", Path: "/_security/api_key", Kind: fault.Drop, Times: 1})
	text := h.CallErr(t, "create_es_api_key", lostKeyArgs)
	mustContain(t, text, "found no key named ci-shipper", "was not created")
	if strings.Contains(text, "found it") {
		t.Errorf("the existing key was taken for the lost one: %s", text)
	}
	if n := len(esKeysNamed(t, h, "ci-shipper")); n != 1 {
		t.Errorf("%d keys, want the one created before", n)
	}
}

func TestLostCloudKeyAnswerNamesTheKeyThatWasCreated(t *testing.T) {
	h := cloudHarness(t, nil)
	args := map[string]any{"description": "lost-answer", "expiration": "7d",
		"roles": []any{map[string]any{"scope": "organization", "role": "billing-admin"}}}
	h.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "POST", Path: "/api/v1/users/auth/keys", Kind: fault.Truncate, Times: 1})
	text := h.CallErr(t, "create_cloud_api_key", args)
	keys := asList(h.CallOK(t, "list_cloud_api_keys", map[string]any{"description": "lost-answer"})["keys"])
	if len(keys) != 1 {
		t.Fatalf("%d keys after one applied creation", len(keys))
	}
	id := asMap(keys[0])["id"].(string)
	mustContain(t, text, "found it", id, "delete_cloud_api_keys ids=["+id+"]")
	if len(h.SecretFiles(t)) != 0 {
		t.Error("a secret file was written for a key whose value never arrived")
	}

	h.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "POST", Path: "/api/v1/users/auth/keys", Kind: fault.Drop, Times: 1})
	text = h.CallErr(t, "create_cloud_api_key", map[string]any{"description": "lost-answer", "expiration": "7d", "force_new": true,
		"roles": []any{map[string]any{"scope": "organization", "role": "billing-admin"}}})
	mustContain(t, text, "found no new key", "was not created")
}

// A user created although every answer of its PUT was lost is reported as
// created, and its password is handed over and works.
func TestLostUserCreationAnswerIsCheckedAndThePasswordHandedOver(t *testing.T) {
	h := esHarness(t, "stack")
	faults := h.Sandbox.Stack.ElasticsearchFaults()
	faults.Add(fault.Fault{Method: "PUT", Path: "/_security/user/*", Kind: fault.Truncate})
	out := h.CallOK(t, "create_user", map[string]any{"username": "lost-zed", "roles": []any{"logs-reader"}})
	faults.Clear()
	mustContain(t, dump(out["warnings"]), "answer of the creation was lost", "it was created")
	pw := esPasswordOf(t, out)
	me, err := esAs(t, h, esapi.Config{Username: "lost-zed", Password: pw}).Authenticate(context.Background())
	if err != nil || me.Username != "lost-zed" {
		t.Fatalf("login with the handed-over password: %+v %v", me, err)
	}

	// Lost before it was applied: not created, said so, no password.
	faults.Add(fault.Fault{Method: "PUT", Path: "/_security/user/*", Kind: fault.Drop})
	text := h.CallErr(t, "create_user", map[string]any{"username": "never-zed", "roles": []any{"logs-reader"}})
	faults.Clear()
	mustContain(t, text, "found no user never-zed", "was not created")
	if _, ok := esReadUser(t, h, "never-zed"); ok {
		t.Fatal("the user exists")
	}
	if n := len(h.SecretFiles(t)); n != 1 {
		t.Errorf("%d secret files, want only lost-zed's", n)
	}
}

// A reset whose answer was lost but which was applied is reported as
// applied: the new password is checked by logging in with it.
func TestLostPasswordResetAnswerThatWasAppliedIsReportedAsApplied(t *testing.T) {
	h := esHarness(t, "stack")
	faults := h.Sandbox.Stack.ElasticsearchFaults()
	faults.Add(fault.Fault{Method: "POST", Path: "/_security/user/*/_password", Kind: fault.Truncate, Times: 1})
	out := h.CallOK(t, "reset_user_password", map[string]any{"username": "alice"})
	mustContain(t, dump(out["warnings"]), "the reset was applied")
	pw := esPasswordOf(t, out)
	if me, err := esAs(t, h, esapi.Config{Username: "alice", Password: pw}).Authenticate(context.Background()); err != nil || me.Username != "alice" {
		t.Fatalf("login with the new password: %+v %v", me, err)
	}
}
