package esapi

import (
	"context"
	"net/http"
	"strings"
)

// What kind of Elasticsearch answers: GET / and the flavour it reveals.

// Flavor is the kind of Elasticsearch: self-managed (or Elastic Cloud
// Hosted) or Serverless, which lacks native users and role mappings.
type Flavor string

const (
	FlavorUnknown    Flavor = ""
	FlavorStack      Flavor = "stack"
	FlavorServerless Flavor = "serverless"
)

// Info is the answer of GET /.
type Info struct {
	Name        string `json:"name"`
	ClusterName string `json:"cluster_name"`
	Version     struct {
		Number      string `json:"number"`
		BuildFlavor string `json:"build_flavor"`
	} `json:"version"`
}

// Flavor detects the flavour once (from GET / version.build_flavor) and
// caches it; a failed detection is retried on the next call.
func (c *Client) Flavor(ctx context.Context) (Flavor, error) {
	c.mu.Lock()
	f := c.flavor
	c.mu.Unlock()
	if f != FlavorUnknown {
		return f, nil
	}
	var info Info
	if err := c.Do(ctx, http.MethodGet, "/", nil, nil, &info); err != nil {
		return FlavorUnknown, err
	}
	f = FlavorStack
	if strings.EqualFold(info.Version.BuildFlavor, "serverless") {
		f = FlavorServerless
	}
	c.mu.Lock()
	c.flavor = f
	c.mu.Unlock()
	return f, nil
}
