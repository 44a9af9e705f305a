package toolkit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/caller"
	"github.com/elastic-access-mcp/elastic-access-mcp/state"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// ConfirmMode is how the server obtains the human's approval.
type ConfirmMode string

const (
	// ConfirmElicit asks through MCP elicitation (both protocol eras).
	ConfirmElicit ConfirmMode = "elicit"
	// ConfirmParam requires a `confirm: true` argument, for clients that
	// cannot elicit. The model could set it on its own: it is the operator's
	// choice to trust the client's own approval prompt.
	ConfirmParam ConfirmMode = "param"
	// ConfirmNone never asks.
	ConfirmNone ConfirmMode = "none"
)

// ParseConfirmMode reads the --confirm flag.
func ParseConfirmMode(s string) (ConfirmMode, error) {
	switch m := ConfirmMode(strings.ToLower(strings.TrimSpace(s))); m {
	case ConfirmElicit, ConfirmParam, ConfirmNone:
		return m, nil
	case "":
		return ConfirmElicit, nil
	}
	return "", fmt.Errorf("--confirm must be elicit, param or none, not %q", s)
}

// ConfirmTTL is how long a confirmation prompt stays valid.
const ConfirmTTL = 5 * time.Minute

const elicitID = "confirm"

// Confirmation describes the change the human is asked to approve.
type Confirmation struct {
	// Target is the exact thing acted on ("role:logs-reader"); the approval is
	// bound to it and to the call's arguments.
	Target string
	// Message is shown to the human: what will happen and why it matters.
	Message string
	// Grants is the digest of what the change grants (the policy delta's
	// Digest), or "" for a change the policy does not judge. The approval
	// is bound to it: if what the change grants is different when the
	// approval comes back, the person is asked again instead.
	Grants string
}

// Confirm obtains the human's approval for the change, or returns an error
// that stops the handler. On the first pass it returns a prompt (see
// AsInputRequest); the client answers and the call is retried with the
// answer and the sealed state, and Confirm then returns nil only for an
// accepted, untampered, unexpired, unused approval of this very call.
func (c *Call) Confirm(ctx context.Context, conf Confirmation) error {
	if c.dryRun {
		return nil // nothing will change
	}
	switch c.Env.Confirm {
	case ConfirmNone:
		return nil
	case ConfirmParam:
		if c.confirmArg {
			return nil
		}
		return &Error{Kind: KindNotConfirmed,
			Message: "This change needs the person's explicit approval: " + conf.Message,
			Next:    "describe the change to the person; only if they approve, call again with the same arguments and confirm: true"}
	}
	digest := argsDigest(c.req.GetArguments())
	message := conf.Message
	if ans := server.ElicitationResponse(c.req.Params.InputResponses, elicitID); ans != nil {
		sealed, err := c.Env.Sealer.open(ctx, c.req.Params.RequestState, c.Tool.Name, conf.Target, digest)
		if err != nil {
			return &Error{Kind: KindNotConfirmed, Message: "The confirmation could not be verified (" + err.Error() + ").",
				Next: "call the tool again to get a new confirmation prompt"}
		}
		switch ans.Action {
		case mcp.ElicitationResponseActionAccept:
			// Only an explicit confirm: true approves; an accept with no
			// content, or with anything else, is not an approval.
			content, _ := ans.Content.(map[string]any)
			if content == nil || content["confirm"] != true {
				return &Error{Kind: KindNotConfirmed, Message: "The person did not approve the change.", Next: "do not retry unless the person asks for it"}
			}
			if sealed.Grants == conf.Grants {
				return nil
			}
			// The same call now grants something else (a role it assigns
			// was redefined, say): the approval does not cover it, so the
			// person is asked again about what it grants now.
			message = "What this change grants is different from what was approved, so it needs a new approval. Now: " + conf.Message
		case mcp.ElicitationResponseActionDecline:
			return &Error{Kind: KindNotConfirmed, Message: "The person declined the change.", Next: "do not retry unless the person asks for it"}
		default:
			return &Error{Kind: KindNotConfirmed, Message: "The person cancelled the confirmation.", Next: "ask the person whether to proceed"}
		}
	}
	if !c.canElicit {
		return Refused("use a client that supports MCP elicitation, or ask the operator to start the server with --confirm=param",
			"This change needs the person's approval, and this client cannot show a confirmation prompt. (%s)", conf.Message)
	}
	state, err := c.Env.Sealer.seal(ctx, c.Tool.Name, conf.Target, digest, conf.Grants)
	if err != nil {
		return err
	}
	result := server.NewInputRequestBuilder(state).Elicit(elicitID, mcp.ElicitationParams{
		Mode:    mcp.ElicitationModeForm,
		Message: message,
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"confirm": map[string]any{"type": "boolean", "title": "Approve this change", "default": false},
			},
			"required": []string{"confirm"},
		},
	}).ToolResult()
	return &inputRequired{result: result}
}

// inputRequired carries a confirmation prompt out of a handler. It is an
// error only so that it stops the handler where Confirm was called.
type inputRequired struct{ result *mcp.CallToolResult }

func (e *inputRequired) Error() string { return "confirmation required" }

// AsInputRequest returns the prompt when err asks the client for input.
func AsInputRequest(err error) (*mcp.CallToolResult, bool) {
	var ir *inputRequired
	if errors.As(err, &ir) {
		return ir.result, true
	}
	return nil, false
}

// Sealer authenticates confirmation state. The state travels through the
// client (and so the model), so it is HMAC-signed, bound to the tool, the
// target, the exact arguments and the caller who asked, expires after
// ConfirmTTL, and can be used once. The record of used approvals lives in a
// NonceStore: the process's memory for one replica, or a store shared by
// every replica, so that an approval redeemed on one replica is refused on
// all others.
type Sealer struct {
	// keys sign with the first entry and accept any (the second exists
	// during a rotation of the shared key).
	keys  [][]byte
	now   func() time.Time
	store NonceStore
}

// NonceStore records used approvals (state.Store satisfies it).
type NonceStore interface {
	// IssueTime is the store's clock, sealed into each approval.
	IssueTime(ctx context.Context) (time.Time, error)
	// RedeemOnce returns nil only for the first redemption of nonce anywhere.
	RedeemOnce(ctx context.Context, nonce string, issued time.Time, ttl time.Duration) error
}

// NewSealer returns a Sealer with a fresh random key and the used approvals
// in this process's memory: approvals are valid on this process only.
func NewSealer(now func() time.Time) *Sealer {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(err) // the system has no randomness; nothing is safe to do
	}
	return NewSharedSealer(now, [][]byte{key}, state.NewMemory(nil))
}

// NewSharedSealer returns a Sealer whose approvals any replica with the same
// keys and store accepts, once. keys[0] signs; every key verifies.
func NewSharedSealer(now func() time.Time, keys [][]byte, store NonceStore) *Sealer {
	if now == nil {
		now = time.Now
	}
	return &Sealer{keys: keys, now: now, store: store}
}

type sealedState struct {
	Tool    string `json:"t"`
	Target  string `json:"g"`
	Args    string `json:"a"`
	Grants  string `json:"d,omitempty"` // digest of what the change grants
	Expires int64  `json:"e"`
	Nonce   string `json:"n"`
	// Issued is the store's clock at sealing (Unix milliseconds): a store
	// that lost its records since cannot vouch for single use.
	Issued int64 `json:"i"`
	// Owner is the caller the approval was asked for ("" = the server's own
	// credentials): another caller cannot redeem it.
	Owner string `json:"o,omitempty"`
}

func (s *Sealer) seal(ctx context.Context, tool, target, digest, grants string) (string, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	issued, err := s.store.IssueTime(ctx)
	if err != nil {
		return "", err
	}
	payload, _ := json.Marshal(sealedState{Tool: tool, Target: target, Args: digest, Grants: grants,
		Expires: s.now().Add(ConfirmTTL).Unix(), Nonce: base64.RawURLEncoding.EncodeToString(nonce),
		Issued: issued.UnixMilli(), Owner: caller.From(ctx)})
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + mac(s.keys[0], body), nil
}

func mac(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Sealer) verify(body, sig string) bool {
	for _, k := range s.keys {
		if hmac.Equal([]byte(sig), []byte(mac(k, body))) {
			return true
		}
	}
	return false
}

// open verifies a state, redeems its nonce and returns what it sealed.
// Nothing is redeemed unless every check passed; a store that cannot record
// the redemption refuses.
func (s *Sealer) open(ctx context.Context, state, tool, target, digest string) (sealedState, error) {
	body, sig, ok := strings.Cut(state, ".")
	if !ok || !s.verify(body, sig) {
		return sealedState{}, errors.New("the confirmation state was altered or was not issued by this server")
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return sealedState{}, errors.New("the confirmation state is malformed")
	}
	var st sealedState
	if err := json.Unmarshal(raw, &st); err != nil {
		return sealedState{}, errors.New("the confirmation state is malformed")
	}
	if st.Tool != tool || st.Target != target || st.Args != digest {
		return sealedState{}, errors.New("the confirmation was given for a different change")
	}
	if st.Owner != caller.From(ctx) {
		return sealedState{}, errors.New("the confirmation was given to another caller")
	}
	now := s.now()
	if now.Unix() > st.Expires {
		return sealedState{}, errors.New("the confirmation expired")
	}
	// Remember the nonce past the expiry, with a margin for replicas'
	// clocks that disagree.
	ttl := time.Unix(st.Expires, 0).Sub(now) + time.Minute
	if err := s.store.RedeemOnce(ctx, st.Nonce, time.UnixMilli(st.Issued), ttl); err != nil {
		return sealedState{}, err
	}
	return st, nil
}

// argsDigest fingerprints the arguments of a call so an approval cannot be
// reused for different arguments. encoding/json sorts map keys, so the same
// arguments always give the same digest.
func argsDigest(args map[string]any) string {
	clean := make(map[string]any, len(args))
	for k, v := range args {
		if k != argDryRun && k != argConfirm {
			clean[k] = v
		}
	}
	b, _ := json.Marshal(clean)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
