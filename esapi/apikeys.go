package esapi

import (
	"context"
	"net/http"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
)

// API keys: /_security/api_key and its query (tools/es_keys.go,
// sandbox/stackemu/apikeys.go).

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
