package cloudapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ListMembers returns every member of the organization with their role
// assignments: the only documented way to read them. The API has no paging
// for members, so paging is the caller's, in memory.
func (c *Client) ListMembers(ctx context.Context) ([]Member, error) {
	var out struct {
		Members []Member `json:"members"`
	}
	err := c.listMembers(ctx, &out)
	return out.Members, err
}

// listMembers reads the member listing into out.
func (c *Client) listMembers(ctx context.Context, out any) error {
	org, err := c.OrganizationID(ctx)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, request{op: "list members", method: http.MethodGet, path: "/organizations/" + seg(org) + "/members"}, out)
	return err
}

// EncodedMembers is the member listing with each member left encoded: a page
// of a large organization then decodes only the members on it (a page of
// 500 decoded all 10,000 members of the organization).
type EncodedMembers []json.RawMessage

// ListEncodedMembers is ListMembers with the members left encoded.
func (c *Client) ListEncodedMembers(ctx context.Context) (EncodedMembers, error) {
	var out struct {
		Members EncodedMembers `json:"members"`
	}
	err := c.listMembers(ctx, &out)
	return out.Members, err
}

// Decode decodes the members in [from, to).
func (ms EncodedMembers) Decode(from, to int) ([]Member, error) {
	out := make([]Member, to-from)
	for i := range out {
		if err := json.Unmarshal(ms[from+i], &out[i]); err != nil {
			return nil, fmt.Errorf("cloud api: list members: a member is not the expected JSON: %w", err)
		}
	}
	return out, nil
}

// RemoveMembers removes members by user id, in one request.
func (c *Client) RemoveMembers(ctx context.Context, userIDs []string) error {
	org, err := c.OrganizationID(ctx)
	if err != nil {
		return err
	}
	escaped := make([]string, len(userIDs))
	for i, id := range userIDs {
		escaped[i] = seg(id)
	}
	_, err = c.do(ctx, request{op: "remove members", method: http.MethodDelete,
		path: "/organizations/" + seg(org) + "/members/" + strings.Join(escaped, ",")}, nil)
	return err
}

// AddRoleAssignments adds roles to a member (the service merges them).
func (c *Client) AddRoleAssignments(ctx context.Context, userID string, ra RoleAssignments) error {
	_, err := c.do(ctx, request{op: "add role assignments", method: http.MethodPost,
		path: "/users/" + seg(userID) + "/role_assignments", body: ra}, nil)
	return err
}

// RemoveRoleAssignments removes roles from a member (a DELETE with a body).
func (c *Client) RemoveRoleAssignments(ctx context.Context, userID string, ra RoleAssignments) error {
	_, err := c.do(ctx, request{op: "remove role assignments", method: http.MethodDelete,
		path: "/users/" + seg(userID) + "/role_assignments", body: ra}, nil)
	return err
}
