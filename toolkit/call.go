package toolkit

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/mark3labs/mcp-go/mcp"
)

// Call is one invocation of a tool. It carries the upstream clients (Env) and
// the safety machinery a handler uses: confirmation, dry run, the secret sink
// and the audit targets.
type Call struct {
	Env  *Env
	Tool Tool

	req        mcp.CallToolRequest
	dryRun     bool
	confirmArg bool
	canElicit  bool
	recorder   *recorder
	info       *CallInfo
	sink       redact.Sink
	offerLink  func(ctx context.Context, ref redact.Ref, label string) bool
	notify     Notifier
	progress   progressState
}

// CallOptions are what the server knows about a call that the tool does not.
type CallOptions struct {
	Request   mcp.CallToolRequest
	CanElicit bool        // the client declared the elicitation capability
	Sink      redact.Sink // where withheld secrets go for this transport
	// OfferLink, when set, shows a one-time secret link to the person
	// through the client (URL-mode elicitation); when the person accepts,
	// the result leaves the link out.
	OfferLink func(ctx context.Context, ref redact.Ref, label string) bool
	// Notify carries progress and log messages to the client (see
	// Call.Progress and Call.Log); nil drops them.
	Notify Notifier
}

// Invoke runs a tool for one request. It returns either the tool's output,
// an error for the agent, or (through AsInputRequest) a confirmation prompt.
func (t Tool) Invoke(ctx context.Context, env *Env, opts CallOptions) (any, error) {
	args := opts.Request.GetArguments()
	c := &Call{Env: env, Tool: t, req: opts.Request, canElicit: opts.CanElicit, sink: opts.Sink, offerLink: opts.OfferLink, notify: opts.Notify, info: InfoFromContext(ctx)}
	if v, ok := args[argDryRun]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, InvalidArgs("argument %q must be a boolean", argDryRun)
		}
		if t.Tier == Read && b {
			return nil, InvalidArgs("%s only reads; it has no dry run", t.Name)
		}
		c.dryRun = b
	}
	if v, ok := args[argConfirm]; ok {
		b, isBool := v.(bool)
		if !isBool || env.Confirm != ConfirmParam {
			return nil, InvalidArgs("argument %q is only accepted as a boolean when the server runs with --confirm=param", argConfirm)
		}
		c.confirmArg = b
	}
	if c.dryRun {
		c.recorder = &recorder{}
		ctx = withRecorder(ctx, c.recorder)
	}
	if c.wantsProgress() {
		ctx = cloudapi.WithPageObserver(ctx, func(op string, _, items int) { c.pageRead(ctx, op, items) })
	}
	if c.info != nil {
		c.info.DryRun = c.dryRun
	}
	out, err := t.run(ctx, c, args)
	if err != nil && c.info != nil {
		if _, prompt := AsInputRequest(err); !prompt {
			c.info.setErrorKind(Describe(err).Kind)
		}
	}
	return out, err
}

// DryRun reports whether the call only plans: write requests are recorded by
// the clients' transport instead of being sent (reads still happen, so the
// plan is computed against the real current state).
func (c *Call) DryRun() bool { return c.dryRun }

// Target records what the call acts on, for the audit line ("user:alice").
func (c *Call) Target(targets ...string) {
	if c.info != nil {
		c.info.mu.Lock()
		c.info.Targets = append(c.info.Targets, targets...)
		c.info.mu.Unlock()
	}
}

// Withhold hands a secret to the person through the transport's secret sink
// and returns where it went. The value is also remembered by the redactor, so
// it is scrubbed from anything printed later even if its shape is unknown.
func (c *Call) Withhold(ctx context.Context, s redact.Secret) (*redact.Ref, error) {
	redact.Default().Remember(s.Value)
	if c.sink == nil {
		return nil, errors.New("no secret sink is configured; refusing to return a secret to the model")
	}
	ref, err := c.sink.Put(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("store the secret for the person: %w", err)
	}
	if ref.Kind == "link" && c.offerLink != nil && c.offerLink(ctx, ref, s.Label) {
		ref = redact.Ref{Kind: "shown_to_person", ExpiresAt: ref.ExpiresAt, Instructions: "The person was shown a one-time link to the " + s.Label + " through their MCP client; it is not repeated here."}
	}
	return &ref, nil
}

// CallInfo collects what the audit line reports about a call. The server puts
// one in the context; the call fills it.
type CallInfo struct {
	mu        sync.Mutex
	Targets   []string
	DryRun    bool
	errorKind ErrorKind
	reached   map[Plane]bool
}

// Reach records that the call sent a request to a plane.
func (i *CallInfo) Reach(p Plane) {
	i.mu.Lock()
	if !i.reached[p] {
		if i.reached == nil {
			i.reached = map[Plane]bool{}
		}
		i.reached[p] = true
	}
	i.mu.Unlock()
}

// Reached reports whether the call sent a request to the plane.
func (i *CallInfo) Reached(p Plane) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.reached[p]
}

func (i *CallInfo) setErrorKind(k ErrorKind) {
	i.mu.Lock()
	i.errorKind = k
	i.mu.Unlock()
}

// ErrorKind is the kind of the error the call ended with, or "".
func (i *CallInfo) ErrorKind() ErrorKind {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.errorKind
}

// SnapshotTargets returns the targets recorded so far.
func (i *CallInfo) SnapshotTargets() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.Targets...)
}

type callInfoKey struct{}

// ContextWithInfo returns ctx carrying info.
func ContextWithInfo(ctx context.Context, info *CallInfo) context.Context {
	return context.WithValue(ctx, callInfoKey{}, info)
}

// InfoFromContext returns the CallInfo the server attached, or nil.
func InfoFromContext(ctx context.Context) *CallInfo {
	i, _ := ctx.Value(callInfoKey{}).(*CallInfo)
	return i
}

// WriteReport is embedded in the output of every write and destructive tool.
// On a dry run the machinery fills it with the requests that would have been
// sent; the tool itself only fills Warnings.
type WriteReport struct {
	DryRun    bool             `json:"dry_run,omitempty" jsonschema:"true when nothing was changed and would_send lists the planned requests"`
	WouldSend []PlannedRequest `json:"would_send,omitempty" jsonschema:"the write requests a real call would send, in order"`
	Warnings  []string         `json:"warnings,omitempty" jsonschema:"things the person should know about this change"`
	Grants    []GrantLine      `json:"grants,omitempty" jsonschema:"what the change grants, as the access policy judged it; escalations needed the person's approval"`
}

// GrantLine is one capability a principal gains through a change.
type GrantLine struct {
	Principal  string `json:"principal"`
	Capability string `json:"capability"`
	Escalation bool   `json:"escalation"`
	Words      string `json:"words" jsonschema:"the grant in plain words, as the person is shown it"`
}

// PlannedRequest is one write request a dry run did not send.
type PlannedRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Body   any    `json:"body,omitempty"`
}

// PlanScrubber is implemented by outputs whose planned requests carry
// secrets in their URL or body (an invitation token, say): a dry run calls
// ScrubPlan on the planned requests before they are reported, so the output
// can replace the secrets in place.
type PlanScrubber interface{ ScrubPlan(reqs []PlannedRequest) }

type dryRunReporter interface{ setDryRun([]PlannedRequest) }

func (w *WriteReport) setDryRun(reqs []PlannedRequest) {
	w.DryRun = true
	w.WouldSend = reqs
	if w.WouldSend == nil {
		w.WouldSend = []PlannedRequest{}
	}
}

// Warn adds a warning to a write report.
func (w *WriteReport) Warn(format string, a ...any) {
	w.Warnings = append(w.Warnings, fmt.Sprintf(format, a...))
}
