package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// A password reset whose answer is lost may be in force: the new password
// must not be lost with it, and the result must say the reset may have
// been applied.
func TestLostPasswordResetAnswerStillHandsThePasswordOver(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true, AllowDestructive: true, Confirm: "none"})
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "POST", Path: "/_security/user/*/_password", Kind: fault.Drop, Times: 1})
	text := h.CallErr(t, "reset_user_password", map[string]any{"username": "alice"})
	if !strings.Contains(text, "may have been applied") {
		t.Errorf("the result does not say the reset may have been applied: %s", text)
	}
	files, _ := filepath.Glob(filepath.Join(h.SecretsDir, "*"))
	if len(files) == 0 {
		t.Fatalf("the password that may now be in force was not handed over: %s", text)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "alice") {
		t.Errorf("the secret file does not name the user: %s", b)
	}
}

func TestLostAPIKeyAnswerSaysHowToCheck(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true, AllowDestructive: true, Confirm: "none", ESBasicAuth: true})
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "POST", Path: "/_security/api_key", Kind: fault.Status, Status: 502, Times: 1})
	text := h.CallErr(t, "create_es_api_key", map[string]any{"name": "ci-shipper", "expiration": "1d", "role_descriptors": map[string]any{"reader": map[string]any{"indices": []any{map[string]any{"names": []string{"logs-*"}, "privileges": []string{"read"}}}}}})
	if !strings.Contains(text, "may have been created") || !strings.Contains(text, "list_es_api_keys name=ci-shipper") {
		t.Errorf("a lost key creation does not say how to check: %s", text)
	}
}

// A change that would create a secret is refused before anything happens
// when the secret sink cannot take it.
func TestChangesAreRefusedWhenTheSecretSinkIsBroken(t *testing.T) {
	opts := servertest.Options{AllowWrites: true, AllowDestructive: true, Confirm: "none"}
	h := servertest.New(t, opts)
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := h.Config(opts)
	cfg.SecretsDir = filepath.Join(blocker, "secrets") // cannot be created under a file
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := servertest.Connect(t, srv, opts)
	// A sentinel: it disappears if the password change is ever sent.
	faults := h.Sandbox.Stack.ElasticsearchFaults()
	faults.Add(fault.Fault{Method: "POST", Path: "/_security/user/*/_password", Kind: fault.Status, Status: 500, Times: 1})
	res := servertest.CallTool(t, c, "reset_user_password", map[string]any{"username": "alice"})
	if !res.IsError || !strings.Contains(servertest.Text(res), "Nothing was changed") {
		t.Fatalf("reset with a broken sink = %v %s", res.IsError, servertest.Text(res))
	}
	if len(faults.List()) != 1 {
		t.Error("the password change was sent although its password could not be handed over")
	}
	if res := servertest.CallTool(t, c, "get_users", map[string]any{}); res.IsError {
		t.Errorf("reads must still work: %s", servertest.Text(res))
	}
}

// The key's own instructions ("use as Authorization: ApiKey <value>") are
// not a credential: a new key yields one secret file and a clean result.
func TestCreatingAKeyWritesOneSecretFile(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true, Confirm: "none", ESBasicAuth: true})
	out := h.CallOK(t, "create_es_api_key", map[string]any{"name": "metrics-key", "expiration": "1d",
		"role_descriptors": map[string]any{"reader": map[string]any{"indices": []any{map[string]any{"names": []string{"metrics-*"}, "privileges": []string{"read"}}}}}})
	files, _ := filepath.Glob(filepath.Join(h.SecretsDir, "*"))
	if len(files) != 1 {
		t.Errorf("%d secret files for one key, want 1: %v", len(files), files)
	}
	loc, _ := out["api_key_location"].(map[string]any)
	if loc == nil || strings.Contains(fmt.Sprint(out), "REDACTED") {
		t.Errorf("the result is garbled: %v", out)
	}
}
