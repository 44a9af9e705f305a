package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// The answer sends the bytes the result was first encoded to, unless
// redaction changed the result: then what goes on the wire is the redacted
// result, in both its structured and its text form.
func TestASecretFoundInAResultNeverReachesTheWire(t *testing.T) {
	secret := "remembered-" + randomHex(16)
	h := servertest.New(t, servertest.Options{Toolsets: []string{"roles"}})
	body := `{"cluster":["monitor"],"indices":[{"names":["logs-` + secret + `"],"privileges":["read"]}]}`
	if err := h.Sandbox.Stack.PutRoleJSON("carries_secret", []byte(body)); err != nil {
		t.Fatal(err)
	}
	redact.Default().Remember(secret)

	res := h.Call(t, "get_roles", map[string]any{"names": []any{"carries_secret"}})
	wire, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(wire), secret) {
		t.Fatalf("a secret reached the client: %s", wire)
	}
	if !strings.Contains(string(wire), "REDACTED") || !strings.Contains(string(wire), "carries_secret") {
		t.Fatalf("the result should still name the role and mark what was withheld: %s", wire)
	}
}

// The audit line redacts the arguments as they came in, now without
// encoding them again first: secrets under secret-named keys, at any depth,
// never reach it.
func TestSecretArgumentsNeverReachTheAuditLine(t *testing.T) {
	password, token := "pw-"+randomHex(12), "tok-"+randomHex(12)
	h := servertest.New(t, servertest.Options{Toolsets: []string{"diagnostics"}})
	h.Call(t, "whoami", map[string]any{"password": password, "nested": []any{map[string]any{"token": token}}})
	audit := h.Audit()
	if !strings.Contains(audit, `"tool":"whoami"`) {
		t.Fatalf("no audit line for the call: %s", audit)
	}
	if strings.Contains(audit, password) || strings.Contains(audit, token) {
		t.Fatalf("the audit line carries a secret argument: %s", audit)
	}
	if !strings.Contains(audit, `"nested"`) {
		t.Fatalf("the audit line should keep the argument names: %s", audit)
	}
}
