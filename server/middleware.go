package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/caller"
	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// recoverMiddleware is the outermost layer: a Go error or a panic anywhere
// below becomes an isError result the agent can read, never a JSON-RPC
// internal error. The panic value and stack go to the server log only.
func (s *Server) recoverMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		defer func() {
			if p := recover(); p != nil {
				s.logger.Error("tool panicked", "tool", req.Params.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				res = mcp.NewToolResultError(fmt.Sprintf("Internal error in %s; nothing more is known about whether it changed anything. Next: run the matching list or get tool to check the current state, and report this to the operator (details are in the server log).", req.Params.Name))
				err = nil
			}
		}()
		res, err = next(ctx, req)
		if err != nil {
			s.logger.Error("tool failed", "tool", req.Params.Name, "error", err.Error())
			return errorResult(err), nil
		}
		if res == nil {
			return mcp.NewToolResultError(req.Params.Name + " returned no result"), nil
		}
		return res, nil
	}
}

// deadlineMiddleware gives every tool call one deadline, inside which all
// its upstream requests, retries and backoff waits must fit (the clients
// stop retrying when a wait would not fit). A call cut off by it is told so,
// with what to check, since a write in it may have been applied.
func (s *Server) deadlineMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		limit := s.cfg.CallTimeout
		if limit <= 0 {
			limit = DefaultCallTimeout
		}
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		res, err := next(ctx, req)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && (err != nil || (res != nil && res.IsError)) {
			return mcp.NewToolResultError(fmt.Sprintf("%s did not finish within the per-call limit of %s, so it was stopped. A change it was making may or may not have been applied. Next: check the current state with the matching list or get tool before repeating it; the operator can raise the limit with --call-timeout.", req.Params.Name, limit)), nil
		}
		return res, err
	}
}

// sinkPreflightMiddleware refuses a change when the secret sink cannot take
// a secret (the secrets directory cannot be created or is unsafe): a key
// minted or a password set now would be lost. Reads still work. The check
// runs before the tool, so nothing has been changed when it refuses.
func (s *Server) sinkPreflightMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if s.toolTier(req.Params.Name) != toolkit.Read {
			if fs, broken := s.sinkFor(ctx).(failingSink); broken {
				return errorResult(toolkit.Refused("ask the operator to fix --secrets-dir (see the server log), then call again",
					"Nothing was changed: the secret sink cannot take secrets (%v), so a secret this change creates would be lost.", fs.err)), nil
			}
		}
		return next(ctx, req)
	}
}

func (s *Server) toolTier(name string) toolkit.Tier {
	for _, t := range s.Tools {
		if t.Name == name {
			return t.Tier
		}
	}
	return toolkit.Read
}

// redactMiddleware runs the redactor on every result, structured and text,
// success or error: tools do not have to remember it. A secret it finds in a
// result is handed to the secret sink, and the placeholder says where it went.
func (s *Server) redactMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, err := next(ctx, req)
		if err != nil || res == nil {
			return res, err
		}
		return s.redactResult(ctx, req.Params.Name, res), nil
	}
}

func (s *Server) redactResult(ctx context.Context, tool string, res *mcp.CallToolResult) *mcp.CallToolResult {
	r := redact.Default()
	redactPrompts(res)
	// structuredResult leaves the encoding of StructuredContent in
	// RawStructuredContent, which the answer then sends instead of encoding
	// it again. It is kept only when StructuredContent is the plain JSON
	// value structuredResult made and nothing in it is withheld.
	raw := res.RawStructuredContent
	res.RawStructuredContent = nil
	if res.StructuredContent != nil {
		v := res.StructuredContent
		plain := true
		switch v.(type) {
		case map[string]any, []any: // already plain JSON values (structuredResult)
		default:
			v, plain = toJSONValue(v), false
		}
		_, found := r.Value(v)
		if len(found) == 0 {
			// Nothing to withhold; the text is the same JSON, so it is clean too.
			res.StructuredContent = v
			if plain {
				res.RawStructuredContent = raw
			}
			return res
		}
		red := s.sinkFound(ctx, tool, v, found)
		res.StructuredContent = red
		b, _ := json.Marshal(red)
		replaced := false
		for i, c := range res.Content {
			if tc, ok := c.(mcp.TextContent); ok && !replaced {
				tc.Text = string(b)
				res.Content[i] = tc
				replaced = true
			}
		}
		return res
	}
	for i, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			tc.Text, _ = r.Text(tc.Text)
			res.Content[i] = tc
		}
	}
	return res
}

// redactPrompts runs the redactor over the confirmation prompts a result
// carries. Both elicitation forms come from here: a 2026-07-28 client reads
// the input requests of the result, and for an older client mcp-go turns the
// same requests into elicitation/create requests after this middleware ran.
// Secrets in a prompt (a stored role's metadata, a password inside an
// endpoint URL) are replaced, never sunk: the person approving a change does
// not need them.
func redactPrompts(res *mcp.CallToolResult) {
	r := redact.Default()
	for id, ir := range res.InputRequests {
		if e := ir.Elicitation; e != nil {
			clean := *e
			clean.Message, _ = r.Text(e.Message)
			if e.RequestedSchema != nil {
				clean.RequestedSchema, _ = r.Value(toJSONValue(e.RequestedSchema))
			}
			ir.Elicitation = &clean
			res.InputRequests[id] = ir
		}
	}
}

// sinkFound withholds secrets the tool did not withhold itself (for
// example a credentials block in an upstream response): they go to the
// sink in one piece, and the placeholders name the location.
func (s *Server) sinkFound(ctx context.Context, tool string, original any, found []redact.Found) any {
	fields := map[string]string{"tool": tool}
	secret := redact.Secret{Label: "secrets withheld from a " + tool + " result", Fields: fields}
	parts := map[string]string{}
	for _, f := range found {
		parts[f.Path] = f.Value
		// Seen once, scrubbed by value everywhere after (errors, audit lines).
		redact.Default().Remember(f.Value)
	}
	b, _ := json.Marshal(parts)
	secret.Value = string(b)
	ref, err := s.sinkFor(ctx).Put(ctx, secret)
	placeholder := "[REDACTED: withheld from the model]"
	if err == nil {
		placeholder = fmt.Sprintf("[REDACTED: withheld from the model; the person can find it at %s]", ref.Location)
	}
	// WithPlaceholder shares the remembered secrets, so a value found only
	// because the server remembered it is replaced here too.
	red, _ := redact.Default().WithPlaceholder(func(string) string { return placeholder }).Value(original)
	return red
}

// plainJSON returns v as plain JSON values for the redactor. Arguments
// decoded from a request already are (the redactor copies what it changes and
// never modifies its input), so only other values take the encoding round trip.
func plainJSON(v map[string]any) any {
	if v == nil {
		return nil // as the round trip gives: no arguments field in the line
	}
	if isPlainJSON(v) {
		return v
	}
	return toJSONValue(v)
}

func isPlainJSON(v any) bool {
	switch n := v.(type) {
	case nil, string, float64, bool:
		return true
	case map[string]any:
		for _, e := range n {
			if !isPlainJSON(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range n {
			if !isPlainJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

func toJSONValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return map[string]any{}
	}
	return out
}

// auditMiddleware writes one JSON line per call: when, which tool, on what,
// with which (redacted) arguments, the outcome and how long it took.
func (s *Server) auditMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		info := &toolkit.CallInfo{}
		ctx = toolkit.ContextWithInfo(ctx, info)
		start := time.Now()
		res, err := next(ctx, req)
		rec := auditRecord{
			Time:       start.UTC().Format(time.RFC3339Nano),
			Tool:       req.Params.Name,
			Targets:    info.SnapshotTargets(),
			DurationMS: float64(time.Since(start).Microseconds()) / 1000,
			DryRun:     info.DryRun,
			Principal:  s.principal(ctx),
			CallerID:   caller.From(ctx),
			Caller:     callerFrom(ctx),
		}
		args, _ := redact.Default().Value(plainJSON(req.GetArguments()))
		rec.Arguments = args
		switch {
		case err != nil:
			rec.Outcome = "error"
			rec.Error, _ = redact.Default().Text(err.Error())
		case res != nil && res.NeedsInput():
			rec.Outcome = "confirmation_requested"
		case res != nil && res.IsError:
			rec.Outcome = "error"
			rec.ErrorKind = info.ErrorKind()
			rec.Error, _ = redact.Default().Text(firstText(res))
		default:
			rec.Outcome = "ok"
		}
		s.audit.write(rec)
		return res, err
	}
}

// principal is who the call acts as upstream: the server's own credentials,
// or (passthrough) the caller's. whoami records it; until then it is
// resolved once per set of credentials, after the first call (so the call's
// own requests go first). A caller's is cached with its clients, briefly.
func (s *Server) principal(ctx context.Context) string {
	h, err := s.envFor(ctx)
	if err != nil || h == nil || h.env == nil {
		return ""
	}
	env := h.env
	if p := env.Principal(); p != "" {
		return p
	}
	if info := toolkit.InfoFromContext(ctx); info != nil && !info.Reached(toolkit.PlaneElasticsearch) && !info.Reached(toolkit.PlaneKibana) {
		// The call reached no Elasticsearch or Kibana: who the server is
		// there says nothing about it, and asking costs a request (in a
		// `call` process, a connection and a round trip on every run).
		if env.Cloud != nil {
			return cloudPrincipal(env.Cloud)
		}
		return ""
	}
	h.principalOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var parts []string
		if env.Cloud != nil {
			parts = append(parts, cloudPrincipal(env.Cloud))
		}
		if env.Stack != nil && env.Stack.HasDefaultElasticsearch() {
			if me, err := env.Stack.Default().ES.Authenticate(ctx); err == nil {
				p := "elasticsearch:" + me.Username
				if me.APIKey != nil {
					p += " (api key " + me.APIKey.Name + ")"
				}
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 && env.Principal() == "" {
			env.SetPrincipal(strings.Join(parts, ", "))
		}
	})
	return env.Principal()
}

// cloudPrincipal names the Cloud key, by the id the operator declared when
// there is one.
func cloudPrincipal(c *cloudapi.Client) string {
	if id := c.APIKeyID(); id != "" {
		return "cloud-key:" + id
	}
	return "cloud-key"
}

type auditRecord struct {
	Time      string `json:"time"`
	Principal string `json:"principal,omitempty"`
	// CallerID is the digest of the caller's own credentials (passthrough):
	// the same caller always has the same one, and it reveals nothing.
	CallerID   string   `json:"caller_id,omitempty"`
	Caller     string   `json:"caller,omitempty"`
	Tool       string   `json:"tool"`
	Targets    []string `json:"targets,omitempty"`
	Outcome    string   `json:"outcome"`
	DryRun     bool     `json:"dry_run,omitempty"`
	DurationMS float64  `json:"duration_ms"`
	Arguments  any      `json:"arguments,omitempty"`
	Error      string   `json:"error,omitempty"`
	// ErrorKind is why a call failed (invalid_arguments, not_confirmed,
	// refused, upstream, unavailable, internal), when the tool said.
	ErrorKind toolkit.ErrorKind `json:"error_kind,omitempty"`
}

type auditLog struct {
	mu sync.Mutex
	w  io.Writer
}

func newAuditLog(w io.Writer) *auditLog { return &auditLog{w: w} }

func (a *auditLog) write(rec auditRecord) {
	b, err := json.Marshal(map[string]any{"audit": rec})
	if err != nil {
		return
	}
	// A last pass over the whole line: nothing secret leaves in an audit line.
	line, _ := redact.Default().Text(string(b))
	a.mu.Lock()
	defer a.mu.Unlock()
	_, _ = io.WriteString(a.w, line+"\n")
}

func firstText(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			return tc.Text
		}
	}
	return ""
}

type callerKey struct{}

// WithCaller records who sent a request over HTTP (remote address and, when
// set, the forwarding proxy's X-Forwarded-For), for the audit line.
func WithCaller(ctx context.Context, caller string) context.Context {
	return context.WithValue(ctx, callerKey{}, caller)
}

func callerFrom(ctx context.Context) string {
	s, _ := ctx.Value(callerKey{}).(string)
	return s
}

func callerOf(r *http.Request) string {
	c := r.RemoteAddr
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		c += " (forwarded for " + fwd + ")"
	}
	if ua := r.UserAgent(); ua != "" {
		c += " " + ua
	}
	if len(c) > 300 {
		c = c[:300] // the header values are the caller's to choose
	}
	return c
}
