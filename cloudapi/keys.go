package cloudapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
)

// APIKeysPage returns one page of the organization's Cloud API keys and the
// cursor of the next page ("" on the last). Listings never carry secrets.
func (c *Client) APIKeysPage(ctx context.Context, cursor string) ([]APIKey, string, error) {
	var q url.Values
	if cursor != "" {
		q = url.Values{"next_page": {cursor}}
	}
	var out struct {
		Keys     []APIKey `json:"keys"`
		NextPage string   `json:"next_page"`
	}
	if _, err := c.do(ctx, request{op: "list API keys", method: http.MethodGet, path: "/users/auth/keys", query: q}, &out); err != nil {
		return nil, "", err
	}
	for i := range out.Keys {
		out.Keys[i].Key = "" // never trust a listing to leave it out
	}
	return out.Keys, out.NextPage, nil
}

// ListAPIKeys follows next_page cursors up to MaxPages pages. An
// organization holds at most 500 active keys, so loading them is cheap.
func (c *Client) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	return collect(ctx, c.cfg.MaxPages, "list API keys", c.APIKeysPage, func(k APIKey) string { return k.ID })
}

// CreateAPIKey creates a key; the answer holds the secret (Key), once.
func (c *Client) CreateAPIKey(ctx context.Context, req CreateAPIKeyRequest) (*APIKey, error) {
	var out APIKey
	if _, err := c.do(ctx, request{op: "create API key", method: http.MethodPost, path: "/users/auth/keys", body: req}, &out); err != nil {
		return nil, err
	}
	// Known to the redactor from the moment it arrives, with and without
	// its prefix.
	redact.Default().RememberCredential("", out.Key)
	return &out, nil
}

// GetAPIKey returns one key, without its secret.
func (c *Client) GetAPIKey(ctx context.Context, id string) (*APIKey, error) {
	var out APIKey
	if _, err := c.do(ctx, request{op: "get API key", method: http.MethodGet, path: "/users/auth/keys/" + seg(id)}, &out); err != nil {
		return nil, err
	}
	out.Key = ""
	return &out, nil
}

// DeleteAPIKeys deletes keys by id in one request (a DELETE with a body).
func (c *Client) DeleteAPIKeys(ctx context.Context, ids []string) error {
	_, err := c.do(ctx, request{op: "delete API keys", method: http.MethodDelete, path: "/users/auth/keys",
		body: struct {
			Keys []string `json:"keys"`
		}{ids}}, nil)
	return err
}

// collect follows cursors. It stops at maxPages, on a cursor that repeats
// (a server that does not advance) and skips items already seen, as the
// Terraform provider's sweeper does against the same API.
func collect[T any](ctx context.Context, maxPages int, op string, page func(context.Context, string) ([]T, string, error), id func(T) string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	cursors := map[string]bool{}
	cursor := ""
	for n := 0; ; n++ {
		if n >= maxPages {
			return all, fmt.Errorf("cloud api: %s: stopped after %d pages; the list is longer than this client follows", op, maxPages)
		}
		items, next, err := page(ctx, cursor)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if k := id(it); !seen[k] {
				seen[k] = true
				all = append(all, it)
			}
		}
		observePage(ctx, op, n+1, len(all))
		if next == "" || cursors[next] {
			return all, nil
		}
		cursors[next] = true
		cursor = next
	}
}
