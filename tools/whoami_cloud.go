package tools

import "context"

// CloudIdentity is what whoami reports about the Cloud API credential.
type CloudIdentity struct {
	Configured bool   `json:"configured"`
	BaseURL    string `json:"base_url,omitempty"`
	Error      string `json:"error,omitempty" jsonschema:"why the identity could not be read"`
}

// describeCloud fills whoami's Cloud section. (Extended by the Cloud tools.)
func describeCloud(ctx context.Context, c *Call) *CloudIdentity {
	return &CloudIdentity{Configured: c.Env.Cloud != nil}
}
