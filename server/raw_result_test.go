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
