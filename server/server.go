package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/prompts"
	"github.com/elastic-access-mcp/elastic-access-mcp/surface"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/elastic-access-mcp/elastic-access-mcp/tools"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/metrics"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/state"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// Server is a configured MCP server and the tools it exposes.
type Server struct {
	MCP    *mcpserver.MCPServer
	Env    *toolkit.Env
	Tools  []toolkit.Tool
	Report toolkit.SelectionReport

	cfg    Config
	logger *slog.Logger
	audit  *auditLog
	// fileSink is created on first use: a server that never withholds a
	// secret does not create directories.
	sinkMu   sync.Mutex
	fileSink redact.Sink

	// operator is the server's own clients; callers holds each caller's (passthrough).
	operator *envHolder
	callers  callerEnvs
	state    state.Store
}

const instructions = `This server manages access in Elastic: Elastic Cloud organization members, invitations, role assignments and Cloud API keys, and Elasticsearch/Kibana users, roles, role mappings and API keys.
Start with whoami to see what is connected and allowed. Read before you write: list members, roles or keys before changing them.
Secrets (API keys, passwords, invitation tokens) are never shown to you: they are handed to the person through a file or a one-time link named in the result; tell the person where to find them.
Changes that delete, revoke or widen access ask the person for approval; every write tool accepts dry_run: true to show the exact requests first.`

// New builds the server: clients, tool selection, middleware.
func New(cfg Config) (*Server, error) {
	if cfg.Name == "" {
		cfg.Name = "elastic-access-mcp"
	}
	if cfg.Logger == nil {
		cfg.Logger = NewLogger(os.Stderr, slog.LevelInfo)
	}
	if cfg.Confirm == "" {
		cfg.Confirm = toolkit.ConfirmElicit
	}
	if cfg.Limits == (toolkit.Limits{}) {
		cfg.Limits = toolkit.DefaultLimits
	}
	if cfg.Credentials == "" {
		cfg.Credentials = CredentialsOperator
	}
	if cfg.Credentials == CredentialsPassthrough && (cfg.Cloud.APIKey != "" || cfg.Elasticsearch.APIKey != "" ||
		cfg.Elasticsearch.Password != "" || cfg.Kibana.APIKey != "" || cfg.Kibana.Password != "") {
		return nil, fmt.Errorf("--credentials passthrough: the server holds no Elastic credentials of its own; " +
			"unset EC_API_KEY, ELASTICSEARCH_API_KEY, ELASTICSEARCH_PASSWORD and the Kibana ones, and keep only the URLs")
	}
	if cfg.State == nil {
		cfg.State = state.NewMemory(cfg.StateKeys)
	}
	cfg.State = observedStore{Store: cfg.State, m: cfg.Metrics, logger: cfg.Logger}
	rememberConfiguredSecrets(cfg)
	env, err := buildEnv(cfg, newSealer(cfg), cfg.Metrics)
	if err != nil {
		return nil, err
	}
	sel := cfg.Selection
	sel.Planes = map[toolkit.Plane]bool{
		toolkit.PlaneCloud:         env.Configured(toolkit.PlaneCloud),
		toolkit.PlaneElasticsearch: env.Configured(toolkit.PlaneElasticsearch),
		toolkit.PlaneKibana:        env.Configured(toolkit.PlaneKibana),
	}
	if cfg.Credentials == CredentialsPassthrough {
		// Each caller brings the credentials: a plane is offered when the operator fixed its endpoint (the
		// Cloud API's has a default).
		sel.Planes = map[toolkit.Plane]bool{
			toolkit.PlaneCloud:         true,
			toolkit.PlaneElasticsearch: cfg.Elasticsearch.URL != "",
			toolkit.PlaneKibana:        cfg.Kibana.URL != "",
		}
	}
	selected, report, err := toolkit.Select(tools.All(), sel)
	if err != nil {
		return nil, err
	}
	env.Selection = report

	auditOut := cfg.Audit
	if auditOut == nil {
		auditOut = os.Stderr
	}
	s := &Server{Env: env, Tools: selected, Report: report, cfg: cfg, logger: cfg.Logger, audit: newAuditLog(auditOut),
		operator: &envHolder{env: env}, callers: callerEnvs{m: map[string]*envHolder{}}, state: cfg.State}
	src := upstreamSource(env)
	opts := []mcpserver.ServerOption{
		mcpserver.WithTitle("Elastic Access"),
		mcpserver.WithDescription("Manage access in Elastic Cloud, Elasticsearch and Kibana safely: members, invitations, roles, role mappings, users and API keys."),
		mcpserver.WithInstructions(instructions),
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithLogging(),
		mcpserver.WithElicitation(),
		// Outermost first: nothing below may turn into a JSON-RPC error.
		mcpserver.WithToolHandlerMiddleware(s.recoverMiddleware),
		mcpserver.WithToolHandlerMiddleware(s.auditMiddleware),
		mcpserver.WithToolHandlerMiddleware(s.metricsMiddleware),
		mcpserver.WithToolHandlerMiddleware(s.rateLimitMiddleware),
		mcpserver.WithToolHandlerMiddleware(s.redactMiddleware),
		mcpserver.WithToolHandlerMiddleware(s.deadlineMiddleware),
		mcpserver.WithToolHandlerMiddleware(s.sinkPreflightMiddleware),
	}
	if cfg.ValidateOutput {
		opts = append(opts, mcpserver.WithOutputSchemaValidation())
	}
	s.MCP = mcpserver.NewMCPServer(cfg.Name, cfg.Version, append(opts, surface.Options(src)...)...)
	s.Tools = nil
	for _, t := range selected {
		if cfg.Only == "" || t.Name == cfg.Only {
			s.Register(t)
		}
	}
	// Prompts come after the tools: a prompt whose tools this configuration
	// does not offer (a read-only server has no write tools) is left out.
	surface.Register(s.MCP, src, prompts.Options{HasTool: s.HasTool})
	return s, nil
}

// rememberConfiguredSecrets makes the server's own credentials known to the
// redactor before any call, in every encoding they take (see
// redact.RememberCredential), so an upstream error that echoes one never
// reaches a client or the audit log.
func rememberConfiguredSecrets(cfg Config) {
	r := redact.Default()
	r.RememberCredential("", cfg.Cloud.APIKey)
	for _, c := range []struct{ url, key, user, password string }{
		{url: cfg.Cloud.BaseURL},
		{cfg.Elasticsearch.URL, cfg.Elasticsearch.APIKey, cfg.Elasticsearch.Username, cfg.Elasticsearch.Password},
		{cfg.Kibana.URL, cfg.Kibana.APIKey, cfg.Kibana.Username, cfg.Kibana.Password},
	} {
		r.RememberCredential("", c.key)
		r.RememberCredential(c.user, c.password)
		if u, err := url.Parse(c.url); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				r.RememberCredential(u.User.Username(), pw)
			}
		}
	}
}

// newSealer seals approvals with the shared state key when there is one, so that any replica accepts them, and
// records used ones in the state store.
func newSealer(cfg Config) *toolkit.Sealer {
	if cfg.StateKeys == nil {
		return toolkit.NewSealer(nil)
	}
	return toolkit.NewSharedSealer(nil, cfg.StateKeys.Subkeys("approvals"), cfg.State)
}

// buildEnv creates the upstream clients. Every client sends through the
// dry-run transport, so a dry run can never send a write, and through the
// plane transport, which notes the planes a call reached and counts
// requests by plane and status.
func buildEnv(cfg Config, sealer *toolkit.Sealer, m *metrics.Metrics) (*toolkit.Env, error) {
	env := &toolkit.Env{
		Confirm: cfg.Confirm,
		Sealer:  sealer,
		Limits:  cfg.Limits,
		Logger:  cfg.Logger,
	}
	ua := cfg.Name + "/" + cfg.Version
	if cfg.Cloud.APIKey != "" {
		cc := cfg.Cloud
		cc.Transport = toolkit.DryRunTransport(planeTransport(cc.Transport, m, toolkit.PlaneCloud))
		if cc.UserAgent == "" {
			cc.UserAgent = ua
		}
		c, err := cloudapi.New(cc)
		if err != nil {
			return nil, fmt.Errorf("elastic cloud client: %w", err)
		}
		env.Cloud = c
	}
	es, kb := cfg.Elasticsearch, cfg.Kibana
	// The TLS settings (custom CA, insecure) belong to the innermost
	// transport: the dry-run wrapper hides it from the clients.
	for _, side := range []struct {
		tr       *http.RoundTripper
		ca       *string
		insecure *bool
	}{{&es.Transport, &es.CACert, &es.Insecure}, {&kb.Transport, &kb.CACert, &kb.Insecure}} {
		if *side.tr == nil && (*side.ca != "" || *side.insecure) {
			base, err := esapi.BaseTransport(*side.ca, *side.insecure)
			if err != nil {
				return nil, fmt.Errorf("elasticsearch TLS settings: %w", err)
			}
			if *side.insecure {
				cfg.Logger.Warn("TLS certificate verification is disabled for Elasticsearch/Kibana; configure a CA certificate instead")
			}
			*side.tr = base
			*side.ca, *side.insecure = "", false // applied here, under the wrapper
		}
	}
	es.Transport = toolkit.DryRunTransport(planeTransport(es.Transport, m, toolkit.PlaneElasticsearch))
	kb.Transport = toolkit.DryRunTransport(planeTransport(kb.Transport, m, toolkit.PlaneKibana))
	if es.UserAgent == "" {
		es.UserAgent = ua
	}
	if kb.UserAgent == "" {
		kb.UserAgent = ua
	}
	st, err := toolkit.NewStackTargets(toolkit.StackConfig{Elasticsearch: es, Kibana: kb, CloudAPIKey: cfg.Cloud.APIKey}, env.Cloud, cfg.Logger)
	if err != nil {
		return nil, err
	}
	env.Stack = st
	return env, nil
}

// handlerFor adapts a tool to mcp-go: it runs the tool with what the server
// knows about the request, and turns the outcome into a result.
func (s *Server) handlerFor(t toolkit.Tool) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if missing := s.missingCredentials(ctx, t, req.GetArguments()); missing != "" {
			return errorResult(toolkit.Refused("send "+missing+" with your requests to this server",
				"%s needs your credentials for it, and the request did not carry %s.", t.Name, missing)), nil
		}
		if err := s.outsideFixedTarget(t, req.GetArguments()); err != nil {
			return errorResult(err), nil
		}
		h, err := s.envFor(ctx)
		if err != nil {
			return errorResult(err), nil
		}
		s.countApprovalAnswer(req)
		start := time.Now()
		ctx, progressSent := withProgressCount(ctx)
		out, err := t.Invoke(ctx, h.env, toolkit.CallOptions{
			Request:   req,
			CanElicit: clientCanElicit(ctx),
			Sink:      s.sinkFor(ctx),
			OfferLink: s.offerLink,
			Notify:    notifier{s},
		})
		progressWritten(ctx, progressSent)
		if prompt, ok := toolkit.AsInputRequest(err); ok {
			s.cfg.Metrics.Approval(metrics.ApprovalAsked)
			notifier{s}.Log(ctx, mcp.LoggingLevelInfo, t.Name+": waiting for the person's approval")
			return prompt, nil
		}
		if err != nil {
			res := errorResult(err)
			notifier{s}.Log(ctx, mcp.LoggingLevelWarning, t.Name+" failed: "+toolkit.Describe(err).Error())
			return res, nil
		}
		notifier{s}.Log(ctx, mcp.LoggingLevelDebug, fmt.Sprintf("%s done in %s", t.Name, time.Since(start).Round(time.Millisecond)))
		return structuredResult(out)
	}
}

func errorResult(err error) *mcp.CallToolResult {
	return mcp.NewToolResultError(toolkit.Describe(err).Error())
}

func structuredResult(out any) (*mcp.CallToolResult, error) {
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	if toolkit.DropNulls(v) {
		b, _ = json.Marshal(v)
	}
	res := mcp.NewToolResultStructured(v, string(b))
	// The answer reuses these bytes instead of encoding v again; the
	// redaction middleware drops them when it changes v.
	res.RawStructuredContent = b
	return res, nil
}

// offerLink shows a one-time secret link to the person through URL-mode
// elicitation, where the client supports it: the link then reaches the
// person without passing through the model at all. It reports whether the
// person accepted; otherwise the result names the link (without its code).
// It waits a bounded time for the answer.
// Session-era clients only: the 2026-07-28 protocol has no server-initiated
// requests, and repeating the call to deliver the answer would create a
// second secret.
func (s *Server) offerLink(ctx context.Context, ref redact.Ref, label string) bool {
	if info := mcpserver.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return false
	}
	sess, ok := mcpserver.ClientSessionFromContext(ctx).(mcpserver.SessionWithClientInfo)
	if !ok || ref.PersonURL == "" {
		return false
	}
	if caps := sess.GetClientCapabilities(); caps.Elicitation == nil || caps.Elicitation.URL == nil {
		return false
	}
	wait, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	id := fmt.Sprintf("secret-%d", time.Now().UnixNano())
	// The person's URL carries the link's one-time code, which the model never sees.
	res, err := s.MCP.RequestURLElicitation(wait, sess, id, ref.PersonURL,
		"Open this one-time link to collect the "+label+". It works once and expires; store the secret in your vault.")
	if err != nil {
		s.logger.Info("secret link not offered through the client", "reason", err.Error())
		return false
	}
	s.logger.Info("secret link offered through the client", "answer", string(res.Action))
	return res.Action == mcp.ElicitationResponseActionAccept
}

// clientCanElicit reports whether the client declared the elicitation
// capability, in either protocol era.
func clientCanElicit(ctx context.Context) bool {
	if info := mcpserver.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.ClientCapabilities != nil && info.ClientCapabilities.Elicitation != nil
	}
	// The session must also be able to carry the request: an SSE session
	// cannot, whatever the client declared, and the approval then fails as
	// a tool result instead of a JSON-RPC error.
	if _, carries := mcpserver.ClientSessionFromContext(ctx).(mcpserver.SessionWithElicitation); !carries {
		return false
	}
	if sess, ok := mcpserver.ClientSessionFromContext(ctx).(mcpserver.SessionWithClientInfo); ok {
		return sess.GetClientCapabilities().Elicitation != nil
	}
	return false
}

type sinkKey struct{}

// WithSink makes a transport's secret sink visible to the calls it serves.
func WithSink(ctx context.Context, sink redact.Sink) context.Context {
	return context.WithValue(ctx, sinkKey{}, sink)
}

func (s *Server) sinkFor(ctx context.Context) redact.Sink {
	if sink, ok := ctx.Value(sinkKey{}).(redact.Sink); ok && sink != nil {
		return sink
	}
	return s.FileSink()
}

// FileSink returns the file secret sink, creating its directory on first use.
func (s *Server) FileSink() redact.Sink {
	s.sinkMu.Lock()
	defer s.sinkMu.Unlock()
	if s.fileSink == nil {
		fs, err := redact.NewFileSink(s.cfg.SecretsDir)
		if err != nil {
			s.logger.Error("secret sink unavailable", "error", err.Error())
			return failingSink{err: err}
		}
		if n := fs.Notice(); n != "" {
			// e.g. the directory existed with looser permissions and was fixed.
			s.logger.Warn(n)
		}
		s.fileSink = fs
	}
	return s.fileSink
}

type failingSink struct{ err error }

func (f failingSink) Put(context.Context, redact.Secret) (redact.Ref, error) {
	return redact.Ref{}, f.err
}

// ToolsJSON is the tools/list declaration of the selected tools, as clients
// see it (used by the tools command and the snapshot tests).
func (s *Server) ToolsJSON(w io.Writer) error {
	resp := s.MCP.HandleMessage(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(resp)
}

// Logger is the server's redacting logger.
func (s *Server) Logger() *slog.Logger { return s.logger }

// HasTool reports whether a tool is registered in this configuration.
func (s *Server) HasTool(name string) bool {
	for _, t := range s.Tools {
		if t.Name == name {
			return true
		}
	}
	return false
}

// Register adds a tool to the running server with the same handler and
// middleware as the catalog's tools (tests use it for probe tools).
func (s *Server) Register(t toolkit.Tool) {
	s.Tools = append(s.Tools, t)
	decl := t.MCP()
	if s.cfg.Confirm == toolkit.ConfirmParam && t.Tier != toolkit.Read {
		decl.RawInputSchema = toolkit.WithConfirmArgument(decl.RawInputSchema)
	}
	s.MCP.AddTool(decl, s.handlerFor(t))
}
