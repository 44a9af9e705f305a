package cloudapi

import (
	"context"
	"net/http"
)

// Deployment is a hosted (Elastic Cloud Hosted) deployment.
type Deployment struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Alias string `json:"alias,omitempty"`
}

// ListDeployments returns the hosted deployments the key can see.
func (c *Client) ListDeployments(ctx context.Context) ([]Deployment, error) {
	var out struct {
		Deployments []Deployment `json:"deployments"`
	}
	if _, err := c.do(ctx, request{op: "list deployments", method: http.MethodGet, path: "/deployments"}, &out); err != nil {
		return nil, err
	}
	return out.Deployments, nil
}
