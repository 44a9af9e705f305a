package toolkit

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// An accept that does not explicitly say confirm: true is no approval.
func TestConfirmAcceptWithoutExplicitApprovalChangesNothing(t *testing.T) {
	for name, content := range map[string]any{
		"no content":      nil,
		"empty content":   map[string]any{},
		"confirm string":  map[string]any{"confirm": "true"},
		"non-object":      "yes",
		"other field set": map[string]any{"approve": true},
	} {
		t.Run(name, func(t *testing.T) {
			p, env := newConfirmProbe(), newEnv(ConfirmElicit, nil)
			args := map[string]any{"name": "old-role"}
			_, state := firstPass(t, p, env, args)
			_, err := secondPass(p, env, args, state, answer(mcp.ElicitationResponseActionAccept, content))
			if err == nil || !strings.Contains(err.Error(), "did not approve") {
				t.Fatalf("want a refusal, got %v", err)
			}
			if p.acted.Load() != 0 {
				t.Fatal("acted without an explicit approval")
			}
		})
	}
}

// grantsProbe is a write whose grant digest the test changes between the
// prompt and the answer, as a redefined role would.
type grantsProbe struct {
	acted  atomic.Int32
	grants atomic.Value
	tool   Tool
}

func newGrantsProbe(initial string) *grantsProbe {
	p := &grantsProbe{}
	p.grants.Store(initial)
	p.tool = Define(Spec{Name: "delete_probe", Title: "Grant probe", Toolset: ToolsetRoles, Tier: Write},
		func(ctx context.Context, c *Call, in probeIn) (probeOut, error) {
			g := p.grants.Load().(string)
			if err := c.Confirm(ctx, Confirmation{Target: "probe:" + in.Name, Message: "grants " + g, Grants: g}); err != nil {
				return probeOut{}, err
			}
			p.acted.Add(1)
			return probeOut{Deleted: in.Name}, nil
		})
	return p
}

func TestConfirmAsksAgainWhenTheGrantsChanged(t *testing.T) {
	p, env := newGrantsProbe("digest-1"), newEnv(ConfirmElicit, nil)
	args := map[string]any{"name": "m"}
	invoke := func(state string, resp mcp.InputResponses) (any, error) {
		req := request(args)
		req.Params.InputResponses, req.Params.RequestState = resp, state
		return p.tool.Invoke(context.Background(), env, CallOptions{Request: req, CanElicit: true})
	}
	_, err := invoke("", nil)
	prompt, ok := AsInputRequest(err)
	if !ok {
		t.Fatalf("want a prompt, got %v", err)
	}
	yes := answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true})

	p.grants.Store("digest-2") // what the call grants changed meanwhile
	_, err = invoke(prompt.RequestState, yes)
	again, ok := AsInputRequest(err)
	if !ok {
		t.Fatalf("an approval of other grants must lead to a new prompt, got %v", err)
	}
	if p.acted.Load() != 0 {
		t.Fatal("acted on an approval of different grants")
	}
	msg := again.InputRequests[elicitID].Elicitation.Message
	if !strings.Contains(msg, "different from what was approved") || !strings.Contains(msg, "digest-2") {
		t.Fatalf("the new prompt should say what changed: %q", msg)
	}
	// The new prompt's approval covers the new grants.
	if _, err := invoke(again.RequestState, yes); err != nil {
		t.Fatalf("approval of the current grants refused: %v", err)
	}
	if p.acted.Load() != 1 {
		t.Fatalf("acted %d times", p.acted.Load())
	}
}
