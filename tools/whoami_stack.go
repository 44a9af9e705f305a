package tools

import "context"

// StackIdentity is what whoami reports about the Elasticsearch and Kibana
// credentials.
type StackIdentity struct {
	Configured       bool   `json:"configured"`
	KibanaConfigured bool   `json:"kibana_configured"`
	Error            string `json:"error,omitempty" jsonschema:"why the identity could not be read"`
}

// describeStack fills whoami's Elasticsearch section. (Extended by the
// Elasticsearch tools.)
func describeStack(ctx context.Context, c *Call) *StackIdentity {
	return &StackIdentity{
		Configured:       c.Env.Configured(PlaneElasticsearch),
		KibanaConfigured: c.Env.Configured(PlaneKibana),
	}
}
