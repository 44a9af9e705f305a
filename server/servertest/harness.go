// Package servertest runs the real server against the sandbox emulators with
// an in-process MCP client, for integration tests of every tool: the same
// configuration path, middleware and upstream clients as production, over
// real HTTP to emulators that behave like Elastic.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// Options shape one test server.
type Options struct {
	Flavor           string // "stack" (default) or "serverless"
	AllowWrites      bool
	AllowDestructive bool
	Confirm          toolkit.ConfirmMode // default elicit
	Toolsets         []string
	Tools            []string
	ExcludeTools     []string

	// Elicit answers confirmation prompts; nil means a client without the
	// elicitation capability.
	Elicit func(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error)
	// Legacy runs the session-era protocol (initialize handshake,
	// server-initiated elicitation) instead of 2026-07-28.
	Legacy bool

	NoCloud, NoElasticsearch, NoKibana bool
	// ESBasicAuth authenticates to Elasticsearch with the admin user's
	// password instead of the admin API key.
	ESBasicAuth bool
	// CloudAPIKey overrides the Cloud key (e.g. the member key).
	CloudAPIKey string
	// Limits overrides the default guardrails.
	Limits toolkit.Limits
}

// Harness is a running server, its sandbox and a connected client.
type Harness struct {
	Sandbox    *sandbox.Sandbox
	Server     *server.Server
	Client     *client.Client
	SecretsDir string

	audit *SyncBuffer
	logs  *SyncBuffer
}

// Accept answers every confirmation prompt with approval.
func Accept(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
		Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
}

// Decline answers every confirmation prompt with a refusal.
func Decline(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
}

// New starts a sandbox and a server configured against it.
func New(t testing.TB, opts Options) *Harness {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Flavor: opts.Flavor})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(sb.Close)
	h := &Harness{Sandbox: sb, SecretsDir: filepath.Join(t.TempDir(), "secrets"), audit: &SyncBuffer{}, logs: &SyncBuffer{}}
	cfg := h.Config(opts)
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("build server: %v", err)
	}
	h.Server = srv
	h.Client = Connect(t, srv, opts)
	return h
}

// Config is the server configuration the harness uses for opts, pointing at
// this harness's sandbox.
func (h *Harness) Config(opts Options) server.Config {
	sb := h.Sandbox
	vars := map[string]string{}
	for _, kv := range sb.Vars() {
		vars[kv[0]] = kv[1]
	}
	cfg := server.Config{
		Name:    "elastic-access-mcp",
		Version: "test",
		Selection: toolkit.Selection{
			AllowWrites: opts.AllowWrites, AllowDestructive: opts.AllowDestructive,
			Toolsets: opts.Toolsets, Tools: opts.Tools, ExcludeTools: opts.ExcludeTools,
		},
		Confirm:    opts.Confirm,
		Limits:     opts.Limits,
		SecretsDir: h.SecretsDir,
		Audit:      h.audit,
		Logger:     server.NewLogger(h.logs, slog.LevelDebug),
		// Every call the suite makes checks its result against the tool's
		// published output schema (the running server skips this).
		ValidateOutput: true,
	}
	if !opts.NoCloud {
		key := vars["EC_API_KEY"]
		if opts.CloudAPIKey != "" {
			key = opts.CloudAPIKey
		}
		cfg.Cloud = cloudapi.Config{BaseURL: vars["EC_BASE_URL"], APIKey: key, Timeout: 10 * time.Second}
		if opts.CloudAPIKey == "" {
			cfg.Cloud.APIKeyID = vars["EC_API_KEY_ID"]
		}
	}
	if !opts.NoElasticsearch {
		cfg.Elasticsearch = esapi.Config{URL: vars["ELASTICSEARCH_URL"]}
		if opts.ESBasicAuth {
			cfg.Elasticsearch.Username, cfg.Elasticsearch.Password = vars["ELASTICSEARCH_USERNAME"], vars["ELASTICSEARCH_PASSWORD"]
		} else {
			cfg.Elasticsearch.APIKey = vars["ELASTICSEARCH_API_KEY"]
		}
	}
	if !opts.NoKibana {
		cfg.Kibana = esapi.KibanaConfig{URL: vars["KIBANA_URL"], APIKey: cfg.Elasticsearch.APIKey,
			Username: cfg.Elasticsearch.Username, Password: cfg.Elasticsearch.Password}
	}
	return cfg
}

// Connect starts an in-process MCP client on srv with the protocol era and
// elicitation capability of opts.
func Connect(t testing.TB, srv *server.Server, opts Options) *client.Client {
	t.Helper()
	var copts []client.ClientOption
	if opts.Elicit != nil {
		copts = append(copts, client.WithElicitationHandler(elicitFunc(opts.Elicit)))
	}
	if opts.Legacy {
		copts = append(copts, client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
	}
	c, err := client.NewInProcessClientWithOptions(srv.MCP, copts...)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start client: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	var ir mcp.InitializeRequest
	ir.Params.ClientInfo = mcp.Implementation{Name: "servertest", Version: "0"}
	if opts.Elicit != nil {
		ir.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	}
	if _, err := c.Initialize(ctx, ir); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c
}

type elicitFunc func(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error)

func (f elicitFunc) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return f(ctx, req)
}

// Call calls a tool and returns its result; a protocol error fails the test
// (tools must report failures as isError results).
func (h *Harness) Call(t testing.TB, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	return CallTool(t, h.Client, name, args)
}

// CallTool calls a tool on any client.
func CallTool(t testing.TB, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: protocol error instead of a tool result: %v", name, err)
	}
	return res
}

// CallOK calls a tool that must succeed and returns its structured content.
func (h *Harness) CallOK(t testing.TB, name string, args map[string]any) map[string]any {
	t.Helper()
	res := h.Call(t, name, args)
	if res.IsError {
		t.Fatalf("%s(%v) failed: %s", name, args, Text(res))
	}
	m, ok := res.StructuredContent.(map[string]any)
	if !ok {
		// The in-process transport may hand back the typed value; normalise.
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, &m); err != nil || m == nil {
			t.Fatalf("%s: no structured content: %s", name, Text(res))
		}
	}
	return m
}

// CallAs calls a tool that must succeed and decodes its structuredContent
// into Out, the tool's output type. Decoding is strict: a field the type
// does not know fails the test, so the published result and the Go type
// cannot drift apart unnoticed.
func CallAs[Out any](t testing.TB, h *Harness, name string, args map[string]any) Out {
	t.Helper()
	res := h.Call(t, name, args)
	if res.IsError {
		t.Fatalf("%s(%v) failed: %s", name, args, Text(res))
	}
	var out Out
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("%s: structured content: %v", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: structured content does not decode into %T: %v\n%s", name, out, err, b)
	}
	return out
}

// CallErr calls a tool that must fail and returns the error text.
func (h *Harness) CallErr(t testing.TB, name string, args map[string]any) string {
	t.Helper()
	res := h.Call(t, name, args)
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded but should have failed: %s", name, args, Text(res))
	}
	return Text(res)
}

// Text is the text content of a result.
func Text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// Audit is every audit line written so far.
func (h *Harness) Audit() string { return h.audit.String() }

// Logs is everything the server logged so far.
func (h *Harness) Logs() string { return h.logs.String() }

// SecretFiles lists the files the secret sink wrote.
func (h *Harness) SecretFiles(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(h.SecretsDir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("read secrets dir: %v", err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, filepath.Join(h.SecretsDir, e.Name()))
	}
	return out
}

// SecretDocument is what the file sink writes.
type SecretDocument struct {
	Label  string            `json:"label"`
	Secret string            `json:"secret"`
	Fields map[string]string `json:"fields"`
}

// ReadSecret reads a secret file the sink wrote (path from a result's
// secret reference).
func ReadSecret(t testing.TB, path string) SecretDocument {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read secret file: %v", err)
	}
	var d SecretDocument
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("secret file %s is not JSON: %v", path, err)
	}
	return d
}

// SecretLocation returns result[field].location for a secret reference.
func SecretLocation(t testing.TB, out map[string]any, field string) string {
	t.Helper()
	ref, ok := out[field].(map[string]any)
	if !ok {
		t.Fatalf("result has no secret reference %q: %v", field, out)
	}
	loc, _ := ref["location"].(string)
	if loc == "" {
		t.Fatalf("secret reference %q has no location: %v", field, ref)
	}
	return loc
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (a server's
// logs, a subprocess's stderr) and readers (the test).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
