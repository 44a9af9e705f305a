package esapi

import (
	"context"
	"net/http"
)

// Privilege checks of the client's own credential: _has_privileges
// (tools/es_diagnostics.go, sandbox/stackemu/has_privileges.go).

// HasPrivilegesRequest is the body of _has_privileges.
type HasPrivilegesRequest struct {
	Cluster     []string                `json:"cluster,omitempty"`
	Index       []IndexPrivilegeCheck   `json:"index,omitempty"`
	Application []ApplicationPrivileges `json:"application,omitempty"`
}

// IndexPrivilegeCheck is one index entry of a _has_privileges request.
type IndexPrivilegeCheck struct {
	Names                  []string `json:"names"`
	Privileges             []string `json:"privileges"`
	AllowRestrictedIndices bool     `json:"allow_restricted_indices,omitempty"`
}

// HasPrivilegesResult is the answer of _has_privileges.
type HasPrivilegesResult struct {
	Username        string                                `json:"username"`
	HasAllRequested bool                                  `json:"has_all_requested"`
	Cluster         map[string]bool                       `json:"cluster"`
	Index           map[string]map[string]bool            `json:"index"`
	Application     map[string]map[string]map[string]bool `json:"application"`
}

// HasPrivileges checks the privileges of the client's own credential.
func (c *Client) HasPrivileges(ctx context.Context, req HasPrivilegesRequest) (*HasPrivilegesResult, error) {
	var out HasPrivilegesResult
	if err := c.Do(ctx, http.MethodPost, "/_security/user/_has_privileges", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
