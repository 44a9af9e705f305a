package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/internal/testbin"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// releaseVersion is what the release build stamps into the binary under
// test; the tests check it comes back from `version` and from initialize.
const releaseVersion = testbin.Version

// releaseBinary is the binary built with scripts/build.sh, the same command
// the Dockerfile runs, so these tests exercise the artifact people install.
func releaseBinary(t *testing.T) string { return testbin.Path(t) }

func repoRoot() string { return testbin.RepoRoot() }

// TestBinaryOverStdioWithMCPGoClient runs the built binary as a subprocess,
// as an MCP client launches it, and talks to it with mcp-go's stdio client.
func TestBinaryOverStdioWithMCPGoClient(t *testing.T) {
	bin := releaseBinary(t)
	for _, tc := range []struct {
		name      string
		args      []string
		wantTools []string
	}{
		// Without credentials the server still starts, with whoami only,
		// which explains what is missing.
		{name: "no credentials", args: []string{"stdio"}, wantTools: []string{"whoami"}},
		{name: "sandbox", args: []string{"stdio", "--sandbox"}, wantTools: []string{"whoami", "list_org_members"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			// A bare environment: nothing from the developer's shell (such as
			// a real EC_API_KEY) may reach the server under test.
			// mcp-go's stdio transport adds os.Environ(), so credentials are
			// overridden with empty values.
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "TMPDIR=" + work, "XDG_RUNTIME_DIR=", "MCP_HTTP_TOKEN="}
			for _, name := range []string{"EC_API_KEY", "EC_BASE_URL", "EC_ORGANIZATION_ID", "ELASTICSEARCH_URL", "ELASTICSEARCH_API_KEY",
				"ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "KIBANA_URL"} {
				env = append(env, name+"=", name+"_FILE=")
			}
			args := append(tc.args, "--env-file", "", "--secrets-dir", filepath.Join(work, "secrets"))
			c, err := client.NewStdioMCPClient(bin, env, args...)
			if err != nil {
				t.Fatalf("start %s: %v", bin, err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			var ir mcp.InitializeRequest
			ir.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
			ir.Params.ClientInfo = mcp.Implementation{Name: "binary-test", Version: "0"}
			init, err := c.Initialize(ctx, ir)
			if err != nil {
				t.Fatalf("initialize: %v", err)
			}
			if init.ServerInfo.Name != "elastic-access-mcp" {
				t.Errorf("serverInfo.name = %q", init.ServerInfo.Name)
			}
			if init.ServerInfo.Version != releaseVersion {
				t.Errorf("serverInfo.version = %q, want the -X main.buildVersion value %q", init.ServerInfo.Version, releaseVersion)
			}
			if init.Capabilities.Tools == nil {
				t.Error("the server does not declare the tools capability")
			}

			list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
			if err != nil {
				t.Fatalf("tools/list: %v", err)
			}
			have := map[string]mcp.Tool{}
			for _, tool := range list.Tools {
				have[tool.Name] = tool
				if ro := tool.Annotations.ReadOnlyHint; ro == nil || !*ro {
					t.Errorf("%s is registered by default but is not marked read-only", tool.Name)
				}
			}
			for _, name := range tc.wantTools {
				if _, ok := have[name]; !ok {
					t.Errorf("tools/list lacks %s; it has %v", name, toolNames(list.Tools))
				}
			}

			var call mcp.CallToolRequest
			call.Params.Name = "whoami"
			call.Params.Arguments = map[string]any{}
			res, err := c.CallTool(ctx, call)
			if err != nil {
				t.Fatalf("whoami: %v", err)
			}
			if res.IsError || res.StructuredContent == nil {
				t.Fatalf("whoami: isError=%v structured=%v content=%v", res.IsError, res.StructuredContent, res.Content)
			}
		})
	}
}

func toolNames(ts []mcp.Tool) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

// TestBinaryVersionSubcommand checks that `version` prints the value the
// release build stamped in.
func TestBinaryVersionSubcommand(t *testing.T) {
	bin := releaseBinary(t)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("version: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "elastic-access-mcp "+releaseVersion; got != want {
		t.Errorf("version printed %q, want %q", got, want)
	}
}
