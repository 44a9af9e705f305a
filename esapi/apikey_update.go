package esapi

import (
	"context"
	"net/http"
	"net/url"
)

// UpdateAPIKeyRequest is the body of an API key update. A nil field is
// left as it is; RoleDescriptors and Metadata replace the old ones whole.
type UpdateAPIKeyRequest struct {
	RoleDescriptors map[string]RoleDescriptor `json:"role_descriptors,omitempty"`
	Metadata        map[string]any            `json:"metadata,omitempty"`
	Expiration      string                    `json:"expiration,omitempty"`
}

// UpdateAPIKey updates one key owned by the caller (PUT
// /_security/api_key/{id}); updated is false when nothing changed.
func (c *Client) UpdateAPIKey(ctx context.Context, id string, req UpdateAPIKeyRequest) (updated bool, err error) {
	var out struct {
		Updated bool `json:"updated"`
	}
	err = c.Do(ctx, http.MethodPut, "/_security/api_key/"+url.PathEscape(id), nil, req, &out)
	return out.Updated, err
}

// BulkUpdateAPIKeysResult is the answer of POST /_security/api_key/_bulk_update.
type BulkUpdateAPIKeysResult struct {
	Updated []string `json:"updated"`
	Noops   []string `json:"noops"`
	Errors  *struct {
		Count   int `json:"count"`
		Details map[string]struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"details"`
	} `json:"errors,omitempty"`
}

// BulkUpdateAPIKeys applies one update to several keys owned by the caller
// (not on Serverless).
func (c *Client) BulkUpdateAPIKeys(ctx context.Context, ids []string, req UpdateAPIKeyRequest) (*BulkUpdateAPIKeysResult, error) {
	body := struct {
		IDs []string `json:"ids"`
		UpdateAPIKeyRequest
	}{ids, req}
	var out BulkUpdateAPIKeysResult
	if err := c.Do(ctx, http.MethodPost, "/_security/api_key/_bulk_update", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
