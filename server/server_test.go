package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/mcp"
)

// eras runs a test under both protocol generations the server speaks.
var eras = []struct {
	name   string
	legacy bool
}{{"2026-07-28", false}, {"session-era", true}}

func TestProtocolBasicsInBothEras(t *testing.T) {
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			h := servertest.New(t, servertest.Options{Legacy: era.legacy})
			list, err := h.Client.ListTools(context.Background(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if !hasTool(list.Tools, "whoami") {
				t.Fatalf("whoami not listed: %v", toolNames(list.Tools))
			}
			for _, tl := range list.Tools {
				if tl.Annotations.ReadOnlyHint == nil || !*tl.Annotations.ReadOnlyHint {
					t.Errorf("default configuration lists %s, which is not read-only", tl.Name)
				}
			}
			out := h.CallOK(t, "whoami", map[string]any{})
			if out["safety_tier"] != "read-only" {
				t.Fatalf("whoami safety tier = %v", out["safety_tier"])
			}
			// An argument error is an isError result, not a protocol error.
			msg := h.CallErr(t, "whoami", map[string]any{"verbose": true})
			if !strings.Contains(msg, `unknown argument(s) "verbose"`) {
				t.Fatalf("unexpected error text %q", msg)
			}
			if !strings.Contains(h.Audit(), `"tool":"whoami"`) || !strings.Contains(h.Audit(), `"outcome":"error"`) {
				t.Fatalf("audit lines missing: %s", h.Audit())
			}
		})
	}
}

func TestPanicsAndErrorsBecomeToolResults(t *testing.T) {
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			h := servertest.New(t, servertest.Options{Legacy: era.legacy})
			h.Server.Register(toolkit.Define(toolkit.Spec{Name: "boom", Title: "Boom", Toolset: toolkit.ToolsetDiagnostics, Tier: toolkit.Read},
				func(context.Context, *toolkit.Call, struct{}) (struct{}, error) { panic("kaboom: internal detail") }))
			msg := h.CallErr(t, "boom", map[string]any{})
			if !strings.Contains(msg, "Internal error in boom") || strings.Contains(msg, "kaboom") {
				t.Fatalf("panic result %q should explain without leaking internals", msg)
			}
			if !strings.Contains(h.Logs(), "kaboom") {
				t.Fatal("panic not logged for the operator")
			}
			// The server keeps serving.
			h.CallOK(t, "whoami", map[string]any{})
		})
	}
}

// probe is a destructive tool that counts the changes it made.
func probe(acted *atomic.Int32) toolkit.Tool {
	type in struct {
		Name string `json:"name" validate:"required"`
	}
	type out struct {
		toolkit.WriteReport
		Deleted string `json:"deleted"`
	}
	return toolkit.Define(toolkit.Spec{Name: "delete_probe", Title: "Delete probe", Toolset: toolkit.ToolsetRoles, Tier: toolkit.Destructive},
		func(ctx context.Context, c *toolkit.Call, a in) (out, error) {
			if err := c.Confirm(ctx, toolkit.Confirmation{Target: "probe:" + a.Name, Message: "Delete probe " + a.Name + "?"}); err != nil {
				return out{}, err
			}
			acted.Add(1)
			return out{Deleted: a.Name}, nil
		})
}

func TestElicitationInBothEras(t *testing.T) {
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			var prompts atomic.Int32
			answer := func(accept bool) func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
				return func(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
					prompts.Add(1)
					if !strings.Contains(req.Params.Message, "probe x") {
						t.Errorf("prompt %q does not name the target", req.Params.Message)
					}
					if accept {
						return servertest.Accept(ctx, req)
					}
					return servertest.Decline(ctx, req)
				}
			}
			for _, accept := range []bool{true, false} {
				var acted atomic.Int32
				h := servertest.New(t, servertest.Options{Legacy: era.legacy, AllowDestructive: true, Elicit: answer(accept)})
				h.Server.Register(probe(&acted))
				res := h.Call(t, "delete_probe", map[string]any{"name": "x"})
				if accept && (res.IsError || acted.Load() != 1) {
					t.Fatalf("accepted: isError=%v acted=%d: %s", res.IsError, acted.Load(), servertest.Text(res))
				}
				if !accept && (!res.IsError || acted.Load() != 0 || !strings.Contains(servertest.Text(res), "declined")) {
					t.Fatalf("declined: isError=%v acted=%d: %s", res.IsError, acted.Load(), servertest.Text(res))
				}
			}
			if prompts.Load() != 2 {
				t.Fatalf("person asked %d times, want 2", prompts.Load())
			}
		})
	}
}

func TestClientWithoutElicitationIsRefusedClearly(t *testing.T) {
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			var acted atomic.Int32
			h := servertest.New(t, servertest.Options{Legacy: era.legacy, AllowDestructive: true})
			h.Server.Register(probe(&acted))
			msg := h.CallErr(t, "delete_probe", map[string]any{"name": "x"})
			if !strings.Contains(msg, "cannot show a confirmation prompt") || acted.Load() != 0 {
				t.Fatalf("got %q, acted %d", msg, acted.Load())
			}
		})
	}
}

func TestConfirmParamModeAdvertisesConfirm(t *testing.T) {
	var acted atomic.Int32
	h := servertest.New(t, servertest.Options{AllowDestructive: true, Confirm: toolkit.ConfirmParam})
	h.Server.Register(probe(&acted))
	list, err := h.Client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range list.Tools {
		if tl.Name == "delete_probe" {
			b, _ := json.Marshal(tl.InputSchema)
			if len(tl.RawInputSchema) > 0 {
				b = tl.RawInputSchema
			}
			if !strings.Contains(string(b), `"confirm"`) {
				t.Fatalf("param mode schema lacks confirm: %s", b)
			}
		}
	}
	h.CallErr(t, "delete_probe", map[string]any{"name": "x"})
	h.CallOK(t, "delete_probe", map[string]any{"name": "x", "confirm": true})
	if acted.Load() != 1 {
		t.Fatalf("acted %d", acted.Load())
	}
}

func hasTool(list []mcp.Tool, name string) bool {
	for _, t := range list {
		if t.Name == name {
			return true
		}
	}
	return false
}

func toolNames(list []mcp.Tool) []string {
	var out []string
	for _, t := range list {
		out = append(out, t.Name)
	}
	return out
}

// TestAuditCarriesTheErrorKind: an audit line of a failed call says why it
// failed, so failures can be counted by cause without parsing messages.
func TestAuditCarriesTheErrorKind(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	h.CallErr(t, "get_roles", map[string]any{"nmes": []any{"x"}})
	if !strings.Contains(h.Audit(), `"error_kind":"invalid_arguments"`) {
		t.Fatalf("audit line without the error kind:\n%s", h.Audit())
	}
	h.CallOK(t, "whoami", map[string]any{})
	for _, line := range strings.Split(strings.TrimSpace(h.Audit()), "\n") {
		if strings.Contains(line, `"outcome":"ok"`) && strings.Contains(line, "error_kind") {
			t.Fatalf("a successful call has an error kind: %s", line)
		}
	}
}
