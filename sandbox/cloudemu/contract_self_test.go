package cloudemu

import (
	"net/http"
	"strings"
	"testing"
)

// The contract checker must be able to fail, or the contract tests prove
// nothing.
func TestContractCheckerRejects(t *testing.T) {
	c := theContract
	jsonHdr := http.Header{"Content-Type": {"application/json"}}
	errHdr := func(code string) http.Header {
		return http.Header{"Content-Type": {"application/json"}, "X-Cloud-Error-Codes": {code}}
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body, want         string
	}{
		{"missing required", "GET", "/api/v1/organizations", 200, jsonHdr, `{}`, `missing required property "organizations"`},
		{"wrong type", "GET", "/api/v1/organizations/1", 200, jsonHdr, `{"id":1,"name":"x"}`, "want string"},
		{"bad date-time", "GET", "/api/v1/users/auth/keys/k", 200, jsonHdr, `{"id":"k","description":"d","creation_date":"yesterday"}`, "not a date-time"},
		{"nested", "GET", "/api/v1/organizations/1/members", 200, jsonHdr,
			`{"members":[{"organization_id":"1","user_id":"u","member_since":"2020-01-01T00:00:00Z","role_assignments":{"deployment":[{"role_id":"x"}]}}]}`,
			`missing required property "organization_id"`},
		{"undeclared success", "POST", "/api/v1/users/auth/keys", 200, jsonHdr, `{"id":"k","description":"d","creation_date":"2020-01-01T00:00:00Z"}`, "success status not declared"},
		{"code outside the enum", "GET", "/api/v1/users/auth/keys/k", 404, errHdr("api_keys.other"), `{"errors":[{"code":"api_keys.other","message":"m"}]}`, "not among the declared"},
		{"header and body disagree", "GET", "/api/v1/users/auth/keys/k", 404, errHdr("api_keys.key_not_found"), `{"errors":[{"code":"x","message":"m"}]}`, "does not match"},
		{"undeclared error not an envelope", "GET", "/api/v1/users/auth/keys", 500, errHdr("x"), `{"error":"x"}`, `missing required property "errors"`},
		{"not JSON", "GET", "/api/v1/organizations", 200, jsonHdr, `nope`, "not JSON"},
		{"unknown path", "GET", "/api/v1/nowhere", 200, jsonHdr, `{}`, "not in the contract"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := c.checkResponse(tc.method, tc.path, tc.status, tc.header, []byte(tc.body))
			if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
				t.Fatalf("errors %q, want one containing %q", errs, tc.want)
			}
		})
	}
	// Requests.
	if errs := c.checkRequest("POST", "/api/v1/users/auth/keys", jsonHdr, []byte(`{"expiration":"1d"}`)); len(errs) == 0 {
		t.Fatal("a key request without description passed")
	}
	if errs := c.checkRequest("DELETE", "/api/v1/users/auth/keys", jsonHdr, nil); len(errs) == 0 {
		t.Fatal("a bulk delete without body passed")
	}
	if errs := c.checkRequest("POST", "/api/v1/users/auth/keys", http.Header{}, []byte(`{"description":"d"}`)); len(errs) == 0 {
		t.Fatal("a body without Content-Type passed")
	}
	if errs := c.checkRequest("POST", "/api/v1/users/auth/keys", jsonHdr, []byte(`{"description":"d"}`)); len(errs) != 0 {
		t.Fatalf("a valid request failed: %v", errs)
	}
}
