package esapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
)

// Flavor is the kind of Elasticsearch: self-managed (or Elastic Cloud
// Hosted) or Serverless, which lacks native users and role mappings.
type Flavor string

const (
	FlavorUnknown    Flavor = ""
	FlavorStack      Flavor = "stack"
	FlavorServerless Flavor = "serverless"
)

// Info is the answer of GET /.
type Info struct {
	Name        string `json:"name"`
	ClusterName string `json:"cluster_name"`
	Version     struct {
		Number      string `json:"number"`
		BuildFlavor string `json:"build_flavor"`
	} `json:"version"`
}

// Flavor detects the flavour once (from GET / version.build_flavor) and
// caches it; a failed detection is retried on the next call.
func (c *Client) Flavor(ctx context.Context) (Flavor, error) {
	c.mu.Lock()
	f := c.flavor
	c.mu.Unlock()
	if f != FlavorUnknown {
		return f, nil
	}
	var info Info
	if err := c.Do(ctx, http.MethodGet, "/", nil, nil, &info); err != nil {
		return FlavorUnknown, err
	}
	f = FlavorStack
	if strings.EqualFold(info.Version.BuildFlavor, "serverless") {
		f = FlavorServerless
	}
	c.mu.Lock()
	c.flavor = f
	c.mu.Unlock()
	return f, nil
}

// Realm names an authentication or lookup realm.
type Realm struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Authentication is the answer of GET /_security/_authenticate.
type Authentication struct {
	Username            string         `json:"username"`
	Roles               []string       `json:"roles"`
	FullName            *string        `json:"full_name"`
	Email               *string        `json:"email"`
	Metadata            map[string]any `json:"metadata"`
	Enabled             bool           `json:"enabled"`
	AuthenticationRealm Realm          `json:"authentication_realm"`
	LookupRealm         Realm          `json:"lookup_realm"`
	AuthenticationType  string         `json:"authentication_type"`
	APIKey              *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"api_key,omitempty"`
}

// Authenticate says who the credential is.
func (c *Client) Authenticate(ctx context.Context) (*Authentication, error) {
	var a Authentication
	if err := c.Do(ctx, http.MethodGet, "/_security/_authenticate", nil, nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// BuiltinPrivileges is the answer of GET /_security/privilege/_builtin.
type BuiltinPrivileges struct {
	Cluster       []string `json:"cluster"`
	Index         []string `json:"index"`
	RemoteCluster []string `json:"remote_cluster,omitempty"`
}

// Builtin returns the cluster's privilege names, read once and cached: they
// only change with the Elasticsearch version.
func (c *Client) Builtin(ctx context.Context) (*BuiltinPrivileges, error) {
	c.mu.Lock()
	b := c.builtin
	c.mu.Unlock()
	if b != nil {
		return b, nil
	}
	var got BuiltinPrivileges
	if err := c.Do(ctx, http.MethodGet, "/_security/privilege/_builtin", nil, nil, &got); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.builtin = &got
	c.mu.Unlock()
	return &got, nil
}

// ---- roles ----

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

// StringList decodes a string or an array of strings.
type StringList []string

// UnmarshalJSON accepts "a" and ["a","b"].
func (l *StringList) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*l = StringList{s}
		return nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*l = a
	return nil
}

// getNamed reads security objects by name (all of them when names is empty)
// from a GET endpoint that answers {name: object}. A 404 means none of the
// names exist, so missing names are simply absent from the map.
func getNamed[T any](ctx context.Context, c *Client, base string, names []string) (map[string]T, error) {
	p := base
	if len(names) > 0 {
		p += "/" + NameList(names)
	}
	out := map[string]T{}
	if _, err := c.DoAllow404(ctx, http.MethodGet, p, nil, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// IsReserved reports whether a role or user carries metadata._reserved.
func IsReserved(metadata map[string]any) bool {
	v, _ := metadata["_reserved"].(bool)
	return v
}

// GetRoles returns the named roles, or all (built-in included) when names
// is empty. Missing names are simply absent from the map.
func (c *Client) GetRoles(ctx context.Context, names ...string) (map[string]RoleDescriptor, error) {
	return getNamed[RoleDescriptor](ctx, c, "/_security/role", names)
}

// PutRole creates or replaces a role. created is false when a role was
// replaced (and in a dry run).
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

// ---- users ----

// User is a native (or reserved) user.
type User struct {
	Username string         `json:"username"`
	Roles    []string       `json:"roles"`
	FullName *string        `json:"full_name"`
	Email    *string        `json:"email"`
	Metadata map[string]any `json:"metadata"`
	Enabled  bool           `json:"enabled"`
}

// PutUserBody is the body of PUT /_security/user/{name}. Every field but the
// password is written as given (a replace, not a merge), so updates must
// carry the current values of what they do not change.
type PutUserBody struct {
	Password string         `json:"password,omitempty"`
	Roles    []string       `json:"roles"`
	FullName *string        `json:"full_name,omitempty"`
	Email    *string        `json:"email,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Enabled  bool           `json:"enabled"`
}

// GetUsers returns the named users, or all when names is empty.
func (c *Client) GetUsers(ctx context.Context, names ...string) (map[string]User, error) {
	return getNamed[User](ctx, c, "/_security/user", names)
}

// PutUser creates or updates a user.
func (c *Client) PutUser(ctx context.Context, name string, body PutUserBody) (created bool, err error) {
	if body.Roles == nil {
		body.Roles = []string{} // required on every PUT
	}
	var res struct {
		Created bool `json:"created"`
	}
	err = c.Do(ctx, http.MethodPut, PathEscape("_security", "user", name), nil, body, &res)
	return res.Created, err
}

// DeleteUser deletes a user; found is false when it did not exist.
func (c *Client) DeleteUser(ctx context.Context, name string) (found bool, err error) {
	return c.DoAllow404(ctx, http.MethodDelete, PathEscape("_security", "user", name), nil, nil, nil)
}

// SetUserEnabled enables or disables a user.
func (c *Client) SetUserEnabled(ctx context.Context, name string, enabled bool) error {
	op := "_disable"
	if enabled {
		op = "_enable"
	}
	return c.Do(ctx, http.MethodPut, PathEscape("_security", "user", name, op), nil, nil, nil)
}

// ChangePassword sets a user's password.
func (c *Client) ChangePassword(ctx context.Context, name, password string) error {
	return c.Do(ctx, http.MethodPost, PathEscape("_security", "user", name, "_password"), nil,
		struct {
			Password string `json:"password,omitempty"`
		}{password}, nil)
}

// ---- role mappings ----

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

// ---- API keys ----

// APIKey is one key as GET and _query/api_key return it (never the secret).
type APIKey struct {
	ID              string                    `json:"id"`
	Name            string                    `json:"name"`
	Type            string                    `json:"type,omitempty"`
	Creation        int64                     `json:"creation"`
	Expiration      int64                     `json:"expiration,omitempty"` // epoch ms; 0 = never
	Invalidated     bool                      `json:"invalidated"`
	Invalidation    int64                     `json:"invalidation,omitempty"`
	Username        string                    `json:"username"`
	Realm           string                    `json:"realm"`
	RealmType       string                    `json:"realm_type,omitempty"`
	Metadata        map[string]any            `json:"metadata,omitempty"`
	RoleDescriptors map[string]RoleDescriptor `json:"role_descriptors,omitempty"`
}

// CreateAPIKeyRequest is the body of POST /_security/api_key.
type CreateAPIKeyRequest struct {
	Name            string                    `json:"name"`
	Expiration      string                    `json:"expiration,omitempty"`
	RoleDescriptors map[string]RoleDescriptor `json:"role_descriptors,omitempty"`
	Metadata        map[string]any            `json:"metadata,omitempty"`
}

// CreatedAPIKey is the answer of a create: the only time the secret is seen.
type CreatedAPIKey struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Expiration int64  `json:"expiration,omitempty"`
	APIKey     string `json:"api_key"`
	Encoded    string `json:"encoded"`
}

// CreateAPIKey creates a key owned by the caller.
func (c *Client) CreateAPIKey(ctx context.Context, req CreateAPIKeyRequest) (*CreatedAPIKey, error) {
	var out CreatedAPIKey
	if err := c.Do(ctx, http.MethodPost, "/_security/api_key", nil, req, &out); err != nil {
		return nil, err
	}
	// Known to the redactor from the moment it arrives, in all its encodings.
	redact.Default().RememberCredential("", out.Encoded)
	redact.Default().Remember(out.APIKey)
	return &out, nil
}

// QueryAPIKeysResult is the answer of POST /_security/_query/api_key.
type QueryAPIKeysResult struct {
	Total   int      `json:"total"`
	Count   int      `json:"count"`
	APIKeys []APIKey `json:"api_keys"`
}

// QueryAPIKeys runs a query over API keys (fields id, name, username, realm,
// creation, expiration, invalidated, metadata.*).
func (c *Client) QueryAPIKeys(ctx context.Context, body map[string]any) (*QueryAPIKeysResult, error) {
	var out QueryAPIKeysResult
	if err := c.Do(ctx, http.MethodPost, "/_security/_query/api_key", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// InvalidateAPIKeysRequest is the body of DELETE /_security/api_key.
type InvalidateAPIKeysRequest struct {
	IDs   []string `json:"ids,omitempty"`
	Name  string   `json:"name,omitempty"`
	Owner bool     `json:"owner,omitempty"`
}

// InvalidateAPIKeysResult is the answer of an invalidation.
type InvalidateAPIKeysResult struct {
	Invalidated           []string `json:"invalidated_api_keys"`
	PreviouslyInvalidated []string `json:"previously_invalidated_api_keys"`
	ErrorCount            int      `json:"error_count"`
	ErrorDetails          []struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error_details,omitempty"`
}

// InvalidateAPIKeys invalidates keys (irreversibly).
func (c *Client) InvalidateAPIKeys(ctx context.Context, req InvalidateAPIKeysRequest) (*InvalidateAPIKeysResult, error) {
	var out InvalidateAPIKeysResult
	if err := c.Do(ctx, http.MethodDelete, "/_security/api_key", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ---- privileges ----

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

// SortedKeys returns a map's keys in order, for stable outputs.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
