// Package server builds the MCP server from a Config: it selects the tools,
// wraps them in the middleware every call goes through (errors as isError
// results, redaction, audit), and serves them over stdio, streamable HTTP and
// SSE with authentication.
package server

import (
	"io"
	"log/slog"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/metrics"
	"github.com/elastic-access-mcp/elastic-access-mcp/state"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// Config is everything the server needs; cmd fills it from flags, the
// environment and .env.
type Config struct {
	Name    string
	Version string

	// Cloud is used when APIKey is set.
	Cloud cloudapi.Config
	// Elasticsearch is used when URL is set; Kibana when its URL is set.
	Elasticsearch esapi.Config
	Kibana        esapi.KibanaConfig

	Selection toolkit.Selection
	Confirm   toolkit.ConfirmMode
	Limits    toolkit.Limits

	// SecretsDir is where the file sink writes (stdio, call); "" = default.
	SecretsDir string
	// SecretLinkTTL is how long a one-time secret link lives (HTTP).
	SecretLinkTTL time.Duration

	// CallTimeout bounds one tool call, every upstream request, retry and
	// backoff in it included; 0 = DefaultCallTimeout.
	CallTimeout time.Duration

	// Audit receives one JSON line per tool call; nil = Logger's output.
	Audit  io.Writer
	Logger *slog.Logger

	// HTTP transport settings.
	HTTP HTTPConfig

	// Credentials is whose Elastic credentials calls use; "" = CredentialsOperator. With
	// CredentialsPassthrough the endpoints above are the operator's and the credentials come with each request.
	Credentials CredentialsMode
	// State holds what replicas share (used approvals, pending secret links); nil = this process's memory.
	State state.Store
	// StateKeys seal approvals (and, in State, secret links) so that every replica accepts them; nil = a random
	// key of this process.
	StateKeys *state.Keyring
	// FixedTarget restricts the stack tools to the Elasticsearch and Kibana the operator configured: a call
	// naming a Serverless project is refused. No call ever supplies an endpoint URL.
	FixedTarget bool
	// RateLimit is the most tool calls one caller may make per minute, counted in State across replicas;
	// 0 = no limit.
	RateLimit int
	// Metrics records calls for /metrics; nil = off.
	Metrics *metrics.Metrics

	// ValidateOutput checks every result against its tool's output schema
	// before it is sent. The test harness turns it on, so every tool call
	// the suite makes proves its result matches the published schema; a
	// running server skips the check, which cost about a third of the
	// server's own time per call (re-encoding plus schema evaluation).
	ValidateOutput bool

	// Only, when set, registers that one tool: the call command runs a
	// single tool, and registering the others built every tool's schemas
	// for nothing (about a quarter of a call's CPU). The selection report
	// (whoami, why a tool is unavailable) still covers the whole catalog.
	Only string
}

// HTTPConfig configures the HTTP transports.
type HTTPConfig struct {
	Listen string // host:port
	// Token is the bearer token callers must send. Required off loopback.
	Token string
	// PublicURL is the externally visible base URL, used for secret links;
	// "" = http://<listen address>.
	PublicURL string
	// MaxBodyBytes limits request bodies.
	MaxBodyBytes int64
	// SessionIdleTTL and MaxSessions bound streamable HTTP sessions;
	// 0 = DefaultSessionIdleTTL, DefaultMaxSessions.
	SessionIdleTTL time.Duration
	MaxSessions    int
	// MetricsListen is a separate host:port serving /metrics without the token (e.g. an internal port for
	// Prometheus); "" = only behind the token on Listen.
	MetricsListen string
}

// DefaultCallTimeout is the default deadline of one tool call.
const DefaultCallTimeout = time.Minute

const (
	defaultMaxBody      = 1 << 20
	defaultSecretLinkTT = 10 * time.Minute
)
