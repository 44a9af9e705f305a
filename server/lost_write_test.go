package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
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
