package cloudapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
)

// rememberTokens makes every invitation token this process has seen known to
// the redactor, so it is scrubbed by value from anything sent later (an
// upstream error that echoes it, an audit line), whatever its shape.
func rememberTokens(invs []Invitation) {
	for _, inv := range invs {
		redact.Default().Remember(inv.Token)
	}
}

// ListInvitations returns the organization's open invitations, tokens
// included: callers must keep the tokens to themselves.
func (c *Client) ListInvitations(ctx context.Context) ([]Invitation, error) {
	org, err := c.OrganizationID(ctx)
	if err != nil {
		return nil, err
	}
	var out struct {
		Invitations []Invitation `json:"invitations"`
	}
	if _, err := c.do(ctx, request{op: "list invitations", method: http.MethodGet,
		path: "/organizations/" + seg(org) + "/invitations"}, &out); err != nil {
		return nil, err
	}
	rememberTokens(out.Invitations)
	return out.Invitations, nil
}

// CreateInvitations invites people. The answer's invitations carry tokens.
func (c *Client) CreateInvitations(ctx context.Context, req InvitationRequest) ([]Invitation, error) {
	org, err := c.OrganizationID(ctx)
	if err != nil {
		return nil, err
	}
	var out struct {
		Invitations []Invitation `json:"invitations"`
	}
	if _, err := c.do(ctx, request{op: "create invitations", method: http.MethodPost,
		path: "/organizations/" + seg(org) + "/invitations", body: req}, &out); err != nil {
		return nil, err
	}
	rememberTokens(out.Invitations)
	return out.Invitations, nil
}

// DeleteInvitations cancels invitations by token. The tokens travel only in
// the request path and are scrubbed from any error.
func (c *Client) DeleteInvitations(ctx context.Context, tokens []string) error {
	org, err := c.OrganizationID(ctx)
	if err != nil {
		return err
	}
	escaped := make([]string, len(tokens))
	for i, t := range tokens {
		escaped[i] = seg(t)
	}
	_, err = c.do(ctx, request{op: "cancel invitations", method: http.MethodDelete,
		path:    "/organizations/" + seg(org) + "/invitations/" + strings.Join(escaped, ","),
		secrets: tokens}, nil)
	return err
}
