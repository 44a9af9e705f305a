package cloudapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// ListOrganizations returns the organizations the key can see (normally
// exactly one: a user belongs to one organization at a time).
func (c *Client) ListOrganizations(ctx context.Context) ([]Organization, error) {
	var page struct {
		Organizations []Organization `json:"organizations"`
		NextPage      string         `json:"next_page"`
	}
	if _, err := c.do(ctx, request{op: "list organizations", method: http.MethodGet, path: "/organizations"}, &page); err != nil {
		return nil, err
	}
	// next_page exists in the schema, but no way to send it back is
	// documented; one page is all a single-organization user ever gets.
	return page.Organizations, nil
}

// AmbiguousOrganizationError says the key sees several organizations and
// the operator must choose one.
type AmbiguousOrganizationError struct{ Organizations []Organization }

func (e *AmbiguousOrganizationError) Error() string {
	parts := make([]string, 0, len(e.Organizations))
	for _, o := range e.Organizations {
		parts = append(parts, fmt.Sprintf("%s (%s)", o.ID, o.Name))
	}
	return fmt.Sprintf("the Cloud API key can see %d organizations: %s; set EC_ORGANIZATION_ID to the one to manage",
		len(e.Organizations), strings.Join(parts, ", "))
}

// NoOrganizationError says the key sees no organization.
type NoOrganizationError struct{}

func (NoOrganizationError) Error() string {
	return "the Cloud API key belongs to no organization; create the key from an organization member's account, or set EC_ORGANIZATION_ID"
}

// OrganizationID returns the configured organization id or discovers it
// once with GET /organizations. Failures are not cached, so a transient
// error does not stick.
func (c *Client) OrganizationID(ctx context.Context) (string, error) {
	c.orgMu.Lock()
	defer c.orgMu.Unlock()
	if c.orgID != "" {
		return c.orgID, nil
	}
	orgs, err := c.ListOrganizations(ctx)
	if err != nil {
		return "", err
	}
	switch len(orgs) {
	case 0:
		return "", NoOrganizationError{}
	case 1:
		c.orgID = orgs[0].ID
		return c.orgID, nil
	}
	return "", &AmbiguousOrganizationError{Organizations: orgs}
}

// GetOrganization returns the managed organization (id and name).
func (c *Client) GetOrganization(ctx context.Context) (*Organization, error) {
	id, err := c.OrganizationID(ctx)
	if err != nil {
		return nil, err
	}
	var o Organization
	if _, err := c.do(ctx, request{op: "get organization", method: http.MethodGet, path: "/organizations/" + seg(id)}, &o); err != nil {
		return nil, err
	}
	return &o, nil
}
