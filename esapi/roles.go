package esapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Roles: /_security/role (tools/es_roles.go, sandbox/stackemu/roles.go).

// RoleDescriptor is a role (or an API key's role descriptor) in the form
// Elasticsearch returns; on PUT the same form is accepted.
type RoleDescriptor struct {
	Description string `json:"description,omitempty"`
	// omitempty: Elasticsearch rejects null for these ("expected field
	// [applications] value to be an array, but found [VALUE_NULL]").
	Cluster           []string                  `json:"cluster,omitempty"`
	Indices           []IndexPrivileges         `json:"indices,omitempty"`
	Applications      []ApplicationPrivileges   `json:"applications,omitempty"`
	RunAs             []string                  `json:"run_as,omitempty"`
	Metadata          map[string]any            `json:"metadata,omitempty"`
	TransientMetadata map[string]any            `json:"transient_metadata,omitempty"`
	RemoteIndices     []RemoteIndexPrivileges   `json:"remote_indices,omitempty"`
	RemoteCluster     []RemoteClusterPrivileges `json:"remote_cluster,omitempty"`
	Global            map[string]any            `json:"global,omitempty"`
	Restriction       map[string]any            `json:"restriction,omitempty"`
}

// IndexPrivileges is one indices[] entry.
type IndexPrivileges struct {
	Names                  StringList     `json:"names"`
	Privileges             []string       `json:"privileges"`
	FieldSecurity          *FieldSecurity `json:"field_security,omitempty"`
	Query                  string         `json:"query,omitempty"` // Query DSL as a JSON string
	AllowRestrictedIndices bool           `json:"allow_restricted_indices,omitempty"`
}

// UnmarshalJSON accepts query as a string or an object (returned by some
// versions and sent by hand-written bodies) and keeps it as a string.
func (p *IndexPrivileges) UnmarshalJSON(b []byte) error {
	type plain IndexPrivileges
	var aux struct {
		plain
		Query json.RawMessage `json:"query"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*p = IndexPrivileges(aux.plain)
	p.Query = ""
	if len(aux.Query) > 0 && string(aux.Query) != "null" {
		var s string
		if json.Unmarshal(aux.Query, &s) == nil {
			p.Query = s
		} else {
			p.Query = string(aux.Query)
		}
	}
	return nil
}

// RemoteIndexPrivileges is one remote_indices[] entry.
type RemoteIndexPrivileges struct {
	IndexPrivileges
	Clusters []string `json:"clusters"`
}

// RemoteClusterPrivileges is one remote_cluster[] entry.
type RemoteClusterPrivileges struct {
	Clusters   []string `json:"clusters"`
	Privileges []string `json:"privileges"`
}

// FieldSecurity is field-level security.
type FieldSecurity struct {
	Grant  []string `json:"grant,omitempty"`
	Except []string `json:"except,omitempty"`
}

// ApplicationPrivileges is one applications[] entry.
type ApplicationPrivileges struct {
	Application string   `json:"application"`
	Privileges  []string `json:"privileges"`
	Resources   []string `json:"resources"`
}

// GetRoles returns the named roles, or all (built-in included) when names
// is empty. Missing names are simply absent from the map.
func (c *Client) GetRoles(ctx context.Context, names ...string) (map[string]RoleDescriptor, error) {
	return getNamed[RoleDescriptor](ctx, c, "/_security/role", names)
}

// EncodedRoles is GET /_security/role's answer with each role left encoded:
// a page of a large answer then decodes only the roles on it (decoding every
// role was three quarters of get_roles' own cost).
type EncodedRoles map[string]json.RawMessage

// GetEncodedRoles is GetRoles with the roles left encoded.
func (c *Client) GetEncodedRoles(ctx context.Context, names ...string) (EncodedRoles, error) {
	return getNamed[json.RawMessage](ctx, c, "/_security/role", names)
}

// Role decodes one role.
func (r EncodedRoles) Role(name string) (RoleDescriptor, error) {
	var d RoleDescriptor
	if err := json.Unmarshal(r[name], &d); err != nil {
		return d, fmt.Errorf("elasticsearch answered with a role %q that is not the expected JSON: %w", name, err)
	}
	return d, nil
}

// Reserved reports whether a role is built in (metadata._reserved), decoding
// only its metadata, and only when the text could say so.
func (r EncodedRoles) Reserved(name string) bool {
	raw := r[name]
	if !bytes.Contains(raw, []byte(`"_reserved"`)) {
		return false
	}
	var d struct {
		Metadata map[string]any `json:"metadata"`
	}
	return json.Unmarshal(raw, &d) == nil && IsReserved(d.Metadata)
}

// PutRole creates or replaces a role. created is false when a role was
// replaced (and in a dry run). Empty lists are never sent as null, which
// Elasticsearch refuses: RoleDescriptor leaves them out, so callers may leave
// any of them nil.
func (c *Client) PutRole(ctx context.Context, name string, role RoleDescriptor) (created bool, err error) {
	var res struct {
		Role struct {
			Created bool `json:"created"`
		} `json:"role"`
	}
	err = c.Do(ctx, http.MethodPut, PathEscape("_security", "role", name), nil, role, &res)
	return res.Role.Created, err
}

// DeleteRole deletes a role; found is false when it did not exist.
func (c *Client) DeleteRole(ctx context.Context, name string) (found bool, err error) {
	return c.DoAllow404(ctx, http.MethodDelete, PathEscape("_security", "role", name), nil, nil, nil)
}
