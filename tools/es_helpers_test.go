package tools_test

import (
	"context"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// esHarness starts the server against the sandbox with writes, destructive
// tools and automatic approval, in the given flavour.
func esHarness(t *testing.T, flavor string, mod ...func(*servertest.Options)) *servertest.Harness {
	t.Helper()
	opts := servertest.Options{Flavor: flavor, AllowWrites: true, AllowDestructive: true, Elicit: servertest.Accept}
	for _, m := range mod {
		m(&opts)
	}
	return servertest.New(t, opts)
}

// esAs is a client of the sandbox's default Elasticsearch with other
// credentials, for checking effects as the created user or key.
func esAs(t *testing.T, h *servertest.Harness, cfg esapi.Config) *esapi.Client {
	t.Helper()
	cfg.URL = h.Sandbox.ElasticsearchURL
	c, err := esapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func esAdmin(t *testing.T, h *servertest.Harness) *esapi.Client {
	return esAs(t, h, esapi.Config{APIKey: h.Sandbox.StackSeed.AdminAPIKey})
}

// esReadRole reads a role straight from the cluster.
func esReadRole(t *testing.T, h *servertest.Harness, name string) (esapi.RoleDescriptor, bool) {
	t.Helper()
	roles, err := esAdmin(t, h).GetRoles(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := roles[name]
	return r, ok
}

func esReadUser(t *testing.T, h *servertest.Harness, name string) (esapi.User, bool) {
	t.Helper()
	users, err := esAdmin(t, h).GetUsers(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := users[name]
	return u, ok
}
