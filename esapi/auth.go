package esapi

import (
	"context"
	"net/http"
)

// Who the credential is: GET /_security/_authenticate.

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
