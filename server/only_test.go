package server_test

import (
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// The call command registers only the tool it runs (every other tool's
// schemas would be built for nothing), yet what the server reports about
// its selection still covers the whole catalog.
func TestOnlyRegistersOneToolAndReportsTheWholeSelection(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true})
	opts := servertest.Options{AllowWrites: true}
	cfg := h.Config(opts)
	cfg.Only = "whoami"
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Tools) != 1 || !srv.HasTool("whoami") {
		t.Fatalf("registered %d tools", len(srv.Tools))
	}
	if !strings.Contains(strings.Join(srv.Report.Tools, ","), "create_user") {
		t.Fatalf("the selection report lost the other tools: %v", srv.Report.Tools)
	}
	c := servertest.Connect(t, srv, opts)
	out := servertest.Text(servertest.CallTool(t, c, "whoami", nil))
	for _, ts := range []string{"org", "roles", "es_keys"} {
		if !strings.Contains(out, `"toolset":"`+ts+`"`) {
			t.Errorf("whoami does not report toolset %s: %s", ts, out)
		}
	}
}
