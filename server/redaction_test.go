package server_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Upstream error bodies sometimes echo what they were sent. Whatever they
// echo must not reach the agent, the logs or the audit trail.
func TestUpstreamErrorsThatEchoSecretsAreRedacted(t *testing.T) {
	cloudKey := "essu_" + randomHex(24) // generated: no real-looking key is committed
	esEncoded := base64.StdEncoding.EncodeToString([]byte(randomHex(10) + ":" + randomHex(11)))
	password := "Pw-" + randomHex(12)

	h := servertest.New(t, servertest.Options{})
	h.Sandbox.Cloud.Faults().Add(fault.Fault{
		Method: "GET", Path: "/api/v1/organizations/*/members", Kind: fault.Status, Status: 400,
		Body: `{"errors":[{"code":"root.invalid_data","message":"invalid key ` + cloudKey + ` for request"}]}`,
	})
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{
		Method: "GET", Path: "/_security/role*", Kind: fault.Status, Status: 400,
		Body: `{"error":{"root_cause":[],"type":"illegal_argument_exception","reason":"Authorization: ApiKey ` + esEncoded + ` rejected; password=` + password + `"},"status":400}`,
	})

	cloudErr := h.CallErr(t, "list_org_members", map[string]any{})
	esErr := h.CallErr(t, "get_roles", map[string]any{})
	for name, text := range map[string]string{"cloud error": cloudErr, "elasticsearch error": esErr, "logs": h.Logs(), "audit": h.Audit()} {
		for _, secret := range []string{cloudKey, esEncoded, password} {
			if strings.Contains(text, secret) {
				t.Errorf("%s leaks a secret: %s", name, text)
			}
		}
	}
	// The errors still say what happened and what to do.
	if !strings.Contains(cloudErr, "400") || !strings.Contains(cloudErr, "REDACTED") {
		t.Errorf("cloud error should keep the status and mark the redaction: %s", cloudErr)
	}
	if !strings.Contains(esErr, "illegal_argument_exception") || !strings.Contains(esErr, "REDACTED") {
		t.Errorf("elasticsearch error should keep the type and mark the redaction: %s", esErr)
	}
}
