package toolkit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/caller"
	"github.com/elastic-access-mcp/elastic-access-mcp/state"
	"github.com/mark3labs/mcp-go/mcp"
)

func invokeAs(ctx context.Context, p *confirmProbe, env *Env, args map[string]any, st string, resp mcp.InputResponses) error {
	req := request(args)
	req.Params.InputResponses = resp
	req.Params.RequestState = st
	_, err := p.tool.Invoke(ctx, env, CallOptions{Request: req, CanElicit: true})
	return err
}

// Two replicas share the key and the store: an approval asked on one is redeemed on the other, once.
func TestSharedSealerRedeemsOnceAcrossReplicas(t *testing.T) {
	key := [][]byte{[]byte("0123456789abcdef0123456789abcdef")}
	store := state.NewMemory(nil)
	a := &Env{Confirm: ConfirmElicit, Sealer: NewSharedSealer(nil, key, store)}
	b := &Env{Confirm: ConfirmElicit, Sealer: NewSharedSealer(nil, key, store)}
	p := newConfirmProbe()
	args := map[string]any{"name": "old-role"}
	_, st := firstPass(t, p, a, args)
	ok := answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true})
	if err := invokeAs(context.Background(), p, b, args, st, ok); err != nil {
		t.Fatalf("replica b refused an approval sealed by a: %v", err)
	}
	if err := invokeAs(context.Background(), p, a, args, st, ok); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("replay on replica a not refused: %v", err)
	}
	if p.acted.Load() != 1 {
		t.Fatalf("acted %d times", p.acted.Load())
	}
}

// An approval asked by one caller cannot be redeemed by another, and trying does not use it up.
func TestApprovalBoundToCaller(t *testing.T) {
	p, env := newConfirmProbe(), newEnv(ConfirmElicit, nil)
	args := map[string]any{"name": "old-role"}
	alice, bob := caller.With(context.Background(), "alice-digest"), caller.With(context.Background(), "bob-digest")
	_, err := p.tool.Invoke(alice, env, CallOptions{Request: request(args), CanElicit: true})
	prompt, isPrompt := AsInputRequest(err)
	if !isPrompt {
		t.Fatalf("no prompt: %v", err)
	}
	ok := answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true})
	if err := invokeAs(bob, p, env, args, prompt.RequestState, ok); err == nil || !strings.Contains(err.Error(), "another caller") {
		t.Fatalf("bob redeemed alice's approval: %v", err)
	}
	if err := invokeAs(alice, p, env, args, prompt.RequestState, ok); err != nil {
		t.Fatalf("alice's own approval was used up by bob's attempt: %v", err)
	}
	if p.acted.Load() != 1 {
		t.Fatalf("acted %d times", p.acted.Load())
	}
}

type downStore struct{}

func (downStore) IssueTime(context.Context) (time.Time, error) {
	return time.Time{}, &state.UnavailableError{Op: "issue", Err: errors.New("connection refused")}
}
func (downStore) RedeemOnce(context.Context, string, time.Time, time.Duration) error {
	return &state.UnavailableError{Op: "redeem", Err: errors.New("connection refused")}
}

// With the store down, no prompt is handed out and nothing acts: the refusal says the store is unreachable.
func TestSealerStoreDownRefuses(t *testing.T) {
	p := newConfirmProbe()
	env := &Env{Confirm: ConfirmElicit, Sealer: NewSharedSealer(nil, [][]byte{make([]byte, 32)}, downStore{})}
	_, err := p.tool.Invoke(context.Background(), env, CallOptions{Request: request(map[string]any{"name": "x"}), CanElicit: true})
	if _, isPrompt := AsInputRequest(err); isPrompt || err == nil || !strings.Contains(Describe(err).Error(), "unreachable") {
		t.Fatalf("want a clear store error, got %v", err)
	}
	if p.acted.Load() != 0 {
		t.Fatal("acted without a recorded approval")
	}
}

// During a key rotation replicas disagree on the current key but know both: an approval sealed by either is
// accepted by the other. A replica that never knew the key refuses it.
func TestSharedSealerAcrossKeyRotation(t *testing.T) {
	a, b := make([]byte, 32), make([]byte, 32)
	a[0], b[0] = 1, 2
	old, _ := state.NewKeyring(a, b)     // writes with a, reads both
	rotated, _ := state.NewKeyring(b, a) // writes with b, reads both
	stranger, _ := state.NewKeyring(b, nil)
	store := state.NewMemory(nil)
	envOld := &Env{Confirm: ConfirmElicit, Sealer: NewSharedSealer(nil, old.Subkeys("approvals"), store)}
	envNew := &Env{Confirm: ConfirmElicit, Sealer: NewSharedSealer(nil, rotated.Subkeys("approvals"), store)}
	envStranger := &Env{Confirm: ConfirmElicit, Sealer: NewSharedSealer(nil, stranger.Subkeys("approvals"), store)}
	ok := answer(mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true})
	p := newConfirmProbe()
	for i, pair := range [][2]*Env{{envOld, envNew}, {envNew, envOld}} {
		args := map[string]any{"name": fmt.Sprintf("rotated-%d", i)}
		_, st := firstPass(t, p, pair[0], args)
		if err := invokeAs(context.Background(), p, pair[1], args, st, ok); err != nil {
			t.Fatalf("pair %d: an approval sealed with the other key was refused: %v", i, err)
		}
	}
	args := map[string]any{"name": "stranger"}
	_, st := firstPass(t, p, envOld, args)
	if err := invokeAs(context.Background(), p, envStranger, args, st, ok); err == nil || !strings.Contains(err.Error(), "not issued by this server") {
		t.Fatalf("a replica without the key accepted the approval: %v", err)
	}
}
