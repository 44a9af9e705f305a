package tools

import (
	"context"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// StackIdentity is what whoami reports about the Elasticsearch and Kibana
// credentials.
type StackIdentity struct {
	Configured         bool     `json:"configured"`
	KibanaConfigured   bool     `json:"kibana_configured"`
	URL                string   `json:"url,omitempty"`
	KibanaURL          string   `json:"kibana_url,omitempty"`
	Flavor             string   `json:"flavor,omitempty" jsonschema:"stack (self-managed or Elastic Cloud Hosted) or serverless; serverless has no native users or role mappings"`
	Username           string   `json:"username,omitempty"`
	Roles              []string `json:"roles,omitempty" jsonschema:"the user's roles (empty for an API key, whose privileges come from its role descriptors)"`
	Realm              string   `json:"realm,omitempty"`
	RealmType          string   `json:"realm_type,omitempty"`
	AuthenticationType string   `json:"authentication_type,omitempty" jsonschema:"realm, api_key, token or anonymous"`
	APIKeyID           string   `json:"api_key_id,omitempty"`
	APIKeyName         string   `json:"api_key_name,omitempty"`
	Notes              []string `json:"notes,omitempty"`
	Error              string   `json:"error,omitempty" jsonschema:"why the identity could not be read"`
}

// describeStack fills whoami's Elasticsearch section from _authenticate.
func describeStack(ctx context.Context, c *toolkit.Call) *StackIdentity {
	id := &StackIdentity{
		Configured:       c.Env.Configured(toolkit.PlaneElasticsearch),
		KibanaConfigured: c.Env.Configured(toolkit.PlaneKibana),
	}
	st := c.Env.Stack
	if st == nil {
		return id
	}
	if st.HasDefaultKibana() {
		id.KibanaURL = st.DefaultKibana().URL()
	}
	t := st.Default()
	if t == nil {
		id.Notes = append(id.Notes, "only Kibana is configured; the Elasticsearch tools need ELASTICSEARCH_URL (or a project argument with EC_API_KEY)")
		return id
	}
	id.URL = t.ES.URL()
	ctx = esapi.WithOpaqueID(ctx, esapi.NewOpaqueID("whoami"))
	me, err := t.ES.Authenticate(ctx)
	if err != nil {
		id.Error = esShort(err)
		if esapi.IsStatus(err, 401) {
			id.Notes = append(id.Notes, "the credential was rejected: check that ELASTICSEARCH_API_KEY (or the username and password) is current and the key has not expired or been invalidated")
		}
		return id
	}
	id.Username = me.Username
	id.Roles = me.Roles
	id.Realm = me.AuthenticationRealm.Name
	id.RealmType = me.AuthenticationRealm.Type
	id.AuthenticationType = me.AuthenticationType
	if me.APIKey != nil {
		id.APIKeyID, id.APIKeyName = me.APIKey.ID, me.APIKey.Name
	}
	if f, err := t.ES.Flavor(ctx); err == nil {
		id.Flavor = string(f)
	} else {
		id.Notes = append(id.Notes, "the flavour could not be read from GET / ("+esShort(err)+")")
	}
	for _, r := range me.Roles {
		if r == "superuser" {
			id.Notes = append(id.Notes, "the server runs as a superuser; a dedicated user or API key with manage_security (or narrower) is safer for routine work")
		}
	}
	principal := "elasticsearch:" + me.Username
	if me.APIKey != nil {
		principal += " (api key " + me.APIKey.Name + ")"
	}
	if cur := c.Env.Principal(); cur == "" {
		c.Env.SetPrincipal(principal)
	} else if !strings.Contains(cur, principal) {
		c.Env.SetPrincipal(cur + ", " + principal)
	}
	return id
}
