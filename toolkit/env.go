package toolkit

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
)

// Env is what every tool call can use: the upstream clients, the operator's
// limits and the safety settings. It is built once by the server from its
// configuration; a nil client means that plane is not configured.
type Env struct {
	// Cloud is the Elastic Cloud API client, or nil.
	Cloud *cloudapi.Client
	// Stack resolves the Elasticsearch and Kibana target of a call: the
	// configured cluster, or a Serverless project named by the call.
	Stack *StackTargets

	Confirm ConfirmMode
	Sealer  *Sealer
	Limits  Limits
	Logger  *slog.Logger

	// Selection describes which toolsets are active and why others are not,
	// for whoami.
	Selection SelectionReport

	principal atomic.Value
}

// Limits are the operator's guardrails.
type Limits struct {
	// MaxCloudKeyExpiration caps the expiration of new Cloud API keys.
	MaxCloudKeyExpiration time.Duration
	// MaxESKeyExpiration caps the expiration of new Elasticsearch API keys.
	MaxESKeyExpiration time.Duration
}

// DefaultLimits are used when the operator sets none.
var DefaultLimits = Limits{MaxCloudKeyExpiration: 90 * 24 * time.Hour, MaxESKeyExpiration: 90 * 24 * time.Hour}

// Configured reports whether the credentials for a plane are present.
func (e *Env) Configured(p Plane) bool {
	switch p {
	case PlaneCloud:
		return e.Cloud != nil
	case PlaneElasticsearch:
		return e.Stack != nil && e.Stack.HasDefaultElasticsearch()
	case PlaneKibana:
		return e.Stack != nil && e.Stack.HasDefaultKibana()
	}
	return false
}

// Principal is who the server acts as, once a tool has learnt it (whoami,
// the Cloud or Elasticsearch identity); "" until then. Audit lines carry it.
func (e *Env) Principal() string {
	if v, ok := e.principal.Load().(string); ok {
		return v
	}
	return ""
}

// SetPrincipal records who the server acts as.
func (e *Env) SetPrincipal(p string) { e.principal.Store(p) }
