package esapi

import (
	"context"
	"net/http"
)

// Native users: /_security/user (tools/es_users.go, sandbox/stackemu/users.go).

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
