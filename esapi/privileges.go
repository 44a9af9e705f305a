package esapi

import (
	"context"
	"net/http"
)

// The privilege names a cluster knows: GET /_security/privilege/_builtin.

// BuiltinPrivileges is the answer of GET /_security/privilege/_builtin.
type BuiltinPrivileges struct {
	Cluster       []string `json:"cluster"`
	Index         []string `json:"index"`
	RemoteCluster []string `json:"remote_cluster,omitempty"`
}

// Builtin returns the cluster's privilege names, read once and cached: they
// only change with the Elasticsearch version.
func (c *Client) Builtin(ctx context.Context) (*BuiltinPrivileges, error) {
	c.mu.Lock()
	b := c.builtin
	c.mu.Unlock()
	if b != nil {
		return b, nil
	}
	var got BuiltinPrivileges
	if err := c.Do(ctx, http.MethodGet, "/_security/privilege/_builtin", nil, nil, &got); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.builtin = &got
	c.mu.Unlock()
	return &got, nil
}
