package esapi

import (
	"context"
	"net/http"
)

// Role mappings: /_security/role_mapping (tools/es_role_mappings.go,
// sandbox/stackemu/role_mappings.go).

// RoleMapping maps users of external realms to roles.
type RoleMapping struct {
	Enabled       bool           `json:"enabled"`
	Roles         []string       `json:"roles,omitempty"`
	RoleTemplates []RoleTemplate `json:"role_templates,omitempty"`
	Rules         map[string]any `json:"rules"`
	Metadata      map[string]any `json:"metadata,omitempty"`
}

// RoleTemplate is a mustache template producing role names.
type RoleTemplate struct {
	Template any    `json:"template"` // {"source": "..."} or its JSON string
	Format   string `json:"format,omitempty"`
}

// GetRoleMappings returns the named mappings, or all when names is empty.
func (c *Client) GetRoleMappings(ctx context.Context, names ...string) (map[string]RoleMapping, error) {
	return getNamed[RoleMapping](ctx, c, "/_security/role_mapping", names)
}

// PutRoleMapping creates or replaces a role mapping.
func (c *Client) PutRoleMapping(ctx context.Context, name string, m RoleMapping) (created bool, err error) {
	var res struct {
		RoleMapping struct {
			Created bool `json:"created"`
		} `json:"role_mapping"`
	}
	err = c.Do(ctx, http.MethodPut, PathEscape("_security", "role_mapping", name), nil, m, &res)
	return res.RoleMapping.Created, err
}

// DeleteRoleMapping deletes a mapping; found is false when it did not exist.
func (c *Client) DeleteRoleMapping(ctx context.Context, name string) (found bool, err error) {
	return c.DoAllow404(ctx, http.MethodDelete, PathEscape("_security", "role_mapping", name), nil, nil, nil)
}
