package toolkit

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// confirmProbe is a destructive tool that counts how often it acted: a
// confirmation that should change nothing must leave the count at zero.
type confirmProbe struct {
	acted atomic.Int32
	tool  Tool
}

type probeIn struct {
	Name string `json:"name" validate:"required"`
}

type probeOut struct {
	WriteReport
	Deleted string `json:"deleted"`
}

func newConfirmProbe() *confirmProbe {
	p := &confirmProbe{}
	p.tool = Define(Spec{Name: "delete_probe", Title: "Delete probe", Toolset: ToolsetRoles, Tier: Destructive},
		func(ctx context.Context, c *Call, in probeIn) (probeOut, error) {
			if err := c.Confirm(ctx, Confirmation{Target: "probe:" + in.Name, Message: "Delete " + in.Name + "?"}); err != nil {
				return probeOut{}, err
			}
			p.acted.Add(1)
			return probeOut{Deleted: in.Name}, nil
		})
	return p
}

type fakeClock struct{ t atomic.Int64 }

func (f *fakeClock) now() time.Time      { return time.Unix(f.t.Load(), 0) }
func (f *fakeClock) add(d time.Duration) { f.t.Add(int64(d / time.Second)) }

func newEnv(mode ConfirmMode, clock *fakeClock) *Env {
	now := time.Now
	if clock != nil {
		now = clock.now
	}
	return &Env{Confirm: mode, Sealer: NewSealer(now)}
}

func request(args map[string]any) mcp.CallToolRequest {
	var r mcp.CallToolRequest
	r.Params.Name = "delete_probe"
	r.Params.Arguments = args
	return r
}

// firstPass runs the call and returns the prompt's sealed state.
func firstPass(t *testing.T, p *confirmProbe, env *Env, args map[string]any) (mcp.CallToolResult, string) {
	t.Helper()
	_, err := p.tool.Invoke(context.Background(), env, CallOptions{Request: request(args), CanElicit: true})
	prompt, ok := AsInputRequest(err)
	if !ok {
		t.Fatalf("expected a confirmation prompt, got %v", err)
	}
	if !prompt.NeedsInput() {
		t.Fatalf("prompt does not ask for input: %+v", prompt)
	}
	return *prompt, prompt.RequestState
}

func answer(action mcp.ElicitationResponseAction, content any) mcp.InputResponses {
	return mcp.InputResponses{elicitID: mcp.NewElicitationInputResponse(mcp.ElicitationResult{
		ElicitationResponse: mcp.ElicitationResponse{Action: action, Content: content}})}
}

func secondPass(p *confirmProbe, env *Env, args map[string]any, state string, resp mcp.InputResponses) (any, error) {
	req := request(args)
	req.Params.InputResponses = resp
	req.Params.RequestState = state
	return p.tool.Invoke(context.Background(), env, CallOptions{Request: req, CanElicit: true})
}

func TestConfirmAcceptActsOnce(t *testing.T) {
	p, env := newConfirmProbe(), newEnv(ConfirmElicit, nil)
	args := map[string]any{"name": "old-role"}
	prompt, state := firstPass(t, p, env, args)
	if p.acted.Load() != 0 {
		t.Fatal("acted before confirmation")
	}
	req := prompt.InputRequests[elicitID]
	if req.Elicitation == nil || !strings.Contains(req.Elicitation.Message, "old-role") {
		t.Fatalf("prompt does not name the target: %+v", req)
	}
	out, err := secondPass(p, env, args, state, answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true}))
	if err != nil {
		t.Fatalf("accepted confirmation refused: %v", err)
	}
	if got := out.(probeOut).Deleted; got != "old-role" || p.acted.Load() != 1 {
		t.Fatalf("acted %d times, out %+v", p.acted.Load(), out)
	}
}

func TestConfirmRefusalsChangeNothing(t *testing.T) {
	args := map[string]any{"name": "old-role"}
	cases := []struct {
		name     string
		mutate   func(state string) string
		resp     mcp.InputResponses
		args     map[string]any
		wantText string
	}{
		{name: "decline", resp: answer(mcp.ElicitationResponseActionDecline, nil), wantText: "declined"},
		{name: "cancel", resp: answer(mcp.ElicitationResponseActionCancel, nil), wantText: "cancelled"},
		{name: "accept without approval", resp: answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": false}), wantText: "did not approve"},
		{name: "tampered signature", mutate: func(s string) string { return s[:len(s)-2] + "AA" }, wantText: "altered"},
		{name: "tampered payload", mutate: func(s string) string { return "e30" + s[3:] }, wantText: "altered"},
		{name: "missing state", mutate: func(string) string { return "" }, wantText: "altered"},
		{name: "other arguments", args: map[string]any{"name": "admin-role"}, wantText: "different change"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, env := newConfirmProbe(), newEnv(ConfirmElicit, nil)
			_, state := firstPass(t, p, env, args)
			if tc.mutate != nil {
				state = tc.mutate(state)
			}
			resp := tc.resp
			if resp == nil {
				resp = answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true})
			}
			callArgs := args
			if tc.args != nil {
				callArgs = tc.args
			}
			_, err := secondPass(p, env, callArgs, state, resp)
			if err == nil {
				t.Fatal("refusal expected")
			}
			if !strings.Contains(err.Error(), tc.wantText) || !strings.Contains(err.Error(), "Nothing was changed") {
				t.Fatalf("error %q should say %q and that nothing changed", err, tc.wantText)
			}
			if p.acted.Load() != 0 {
				t.Fatal("acted despite the refusal")
			}
		})
	}
}

func TestConfirmReplayIsRefused(t *testing.T) {
	p, env := newConfirmProbe(), newEnv(ConfirmElicit, nil)
	args := map[string]any{"name": "old-role"}
	_, state := firstPass(t, p, env, args)
	ok := answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true})
	if _, err := secondPass(p, env, args, state, ok); err != nil {
		t.Fatal(err)
	}
	_, err := secondPass(p, env, args, state, ok)
	if err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("replay not refused: %v", err)
	}
	if p.acted.Load() != 1 {
		t.Fatalf("acted %d times, want exactly once", p.acted.Load())
	}
}

func TestConfirmExpires(t *testing.T) {
	clock := &fakeClock{}
	clock.t.Store(time.Now().Unix())
	p, env := newConfirmProbe(), newEnv(ConfirmElicit, clock)
	args := map[string]any{"name": "old-role"}
	_, state := firstPass(t, p, env, args)
	clock.add(ConfirmTTL + time.Second)
	_, err := secondPass(p, env, args, state, answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true}))
	if err == nil || !strings.Contains(err.Error(), "expired") || p.acted.Load() != 0 {
		t.Fatalf("expired confirmation not refused: %v (acted %d)", err, p.acted.Load())
	}
}

func TestConfirmStateFromAnotherServerIsRefused(t *testing.T) {
	p := newConfirmProbe()
	args := map[string]any{"name": "old-role"}
	_, state := firstPass(t, p, newEnv(ConfirmElicit, nil), args)
	// A restarted server (new key) must not honour an old approval.
	_, err := secondPass(p, newEnv(ConfirmElicit, nil), args, state, answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true}))
	if err == nil || p.acted.Load() != 0 {
		t.Fatalf("foreign state accepted: %v", err)
	}
}

func TestConfirmClientWithoutElicitation(t *testing.T) {
	p, env := newConfirmProbe(), newEnv(ConfirmElicit, nil)
	_, err := p.tool.Invoke(context.Background(), env, CallOptions{Request: request(map[string]any{"name": "x"}), CanElicit: false})
	if err == nil || !strings.Contains(err.Error(), "cannot show a confirmation prompt") || !strings.Contains(err.Error(), "--confirm=param") {
		t.Fatalf("want a refusal naming the alternatives, got %v", err)
	}
	if p.acted.Load() != 0 {
		t.Fatal("acted without confirmation")
	}
}

func TestConfirmParamMode(t *testing.T) {
	p, env := newConfirmProbe(), newEnv(ConfirmParam, nil)
	_, err := p.tool.Invoke(context.Background(), env, CallOptions{Request: request(map[string]any{"name": "x"})})
	if err == nil || !strings.Contains(err.Error(), "confirm: true") || p.acted.Load() != 0 {
		t.Fatalf("param mode without confirm: %v (acted %d)", err, p.acted.Load())
	}
	if _, err := p.tool.Invoke(context.Background(), env, CallOptions{Request: request(map[string]any{"name": "x", "confirm": true})}); err != nil {
		t.Fatalf("param mode with confirm: %v", err)
	}
	if p.acted.Load() != 1 {
		t.Fatal("did not act with confirm: true")
	}
	// confirm is not accepted in other modes: the model must not be able to
	// approve its own change.
	_, err = p.tool.Invoke(context.Background(), newEnv(ConfirmElicit, nil), CallOptions{Request: request(map[string]any{"name": "x", "confirm": true}), CanElicit: true})
	if err == nil || !strings.Contains(err.Error(), "--confirm=param") {
		t.Fatalf("confirm accepted in elicit mode: %v", err)
	}
}

func TestConfirmNoneModeAndDryRun(t *testing.T) {
	p := newConfirmProbe()
	if _, err := p.tool.Invoke(context.Background(), newEnv(ConfirmNone, nil), CallOptions{Request: request(map[string]any{"name": "x"})}); err != nil {
		t.Fatalf("none mode: %v", err)
	}
	// A dry run needs no approval: it changes nothing.
	out, err := p.tool.Invoke(context.Background(), newEnv(ConfirmElicit, nil), CallOptions{Request: request(map[string]any{"name": "x", "dry_run": true})})
	if err != nil {
		t.Fatalf("dry run asked for confirmation: %v", err)
	}
	if !out.(probeOut).DryRun {
		t.Fatal("dry run not reported")
	}
}
