package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "elastic_access_mcp"

// Outcome is how a tool call ended.
type Outcome string

const (
	OutcomeOK      Outcome = "ok"      // the tool did what was asked (dry runs included)
	OutcomeError   Outcome = "error"   // an isError result: bad input, upstream failure, store unreachable
	OutcomeRefused Outcome = "refused" // refused by policy or by the person: declined approval, read-only mode
)

// Approval events.
const (
	ApprovalAsked    = "asked"
	ApprovalApproved = "approved"
	ApprovalDeclined = "declined"
)

// Upstream planes.
const (
	PlaneCloud         = "cloud"
	PlaneElasticsearch = "elasticsearch"
	PlaneKibana        = "kibana"
)

// other replaces a label value outside the expected set, so that a caller cannot grow the number of time series
// without bound (e.g. by calling made-up tool names).
const other = "other"

// maxTools bounds the distinct tool labels; the server registers a few dozen tools.
const maxTools = 200

// Metrics records what the server does, in a registry of its own (never the process-wide default one, so that tests
// and embedding programs cannot collide). A nil *Metrics records nothing, so callers need no checks when metrics
// are off.
type Metrics struct {
	reg         *prometheus.Registry
	toolCalls   *prometheus.CounterVec
	toolSeconds *prometheus.HistogramVec
	upstream    *prometheus.CounterVec
	approvals   *prometheus.CounterVec
	secrets     *prometheus.CounterVec
	storeErrors *prometheus.CounterVec

	mu    sync.Mutex
	tools map[string]bool
}

// New creates the metrics, with the Go runtime and process collectors alongside.
func New() *Metrics {
	m := &Metrics{
		reg:   prometheus.NewRegistry(),
		tools: map[string]bool{},
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "tool_calls_total",
			Help: "Tool calls by tool and outcome (ok, error, refused).",
		}, []string{"tool", "outcome"}),
		toolSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "tool_call_duration_seconds",
			Help: "Time from a tool call's arrival to its result, by tool, including any wait for an approval.",
			// From a cached read to a person answering an approval prompt.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"tool"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "upstream_requests_total",
			Help: "Requests to Elastic by plane (cloud, elasticsearch, kibana) and HTTP status (error: no response).",
		}, []string{"plane", "status"}),
		approvals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "approvals_total",
			Help: "Approvals of changes: asked, approved, declined.",
		}, []string{"event"}),
		secrets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "secrets_handed_out_total",
			Help: "Secrets withheld from the model and handed to the person, by way (file, link).",
		}, []string{"via"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "state_store_errors_total",
			Help: "Calls to the shared state store that failed because it did not answer, by operation.",
		}, []string{"op"}),
	}
	m.reg.MustRegister(m.toolCalls, m.toolSeconds, m.upstream, m.approvals, m.secrets, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that dashboards and alerts compare are present from the start, at zero.
	for _, e := range []string{ApprovalAsked, ApprovalApproved, ApprovalDeclined} {
		m.approvals.WithLabelValues(e)
	}
	for _, via := range []string{"file", "link"} {
		m.secrets.WithLabelValues(via)
	}
	return m
}

// ToolCall records one finished tool call.
func (m *Metrics) ToolCall(tool string, outcome Outcome, took time.Duration) {
	if m == nil {
		return
	}
	tool = m.toolLabel(tool)
	o := string(outcome)
	switch outcome {
	case OutcomeOK, OutcomeError, OutcomeRefused:
	default:
		o = other
	}
	m.toolCalls.WithLabelValues(tool, o).Inc()
	m.toolSeconds.WithLabelValues(tool).Observe(took.Seconds())
}

// UpstreamRequest records one request to Elastic. status is the HTTP status, or 0 when no response came.
func (m *Metrics) UpstreamRequest(plane string, status int) {
	if m == nil {
		return
	}
	switch plane {
	case PlaneCloud, PlaneElasticsearch, PlaneKibana:
	default:
		plane = other
	}
	s := "error"
	if status >= 100 && status <= 599 {
		s = strconv.Itoa(status)
	}
	m.upstream.WithLabelValues(plane, s).Inc()
}

// Approval records an approval event: ApprovalAsked, ApprovalApproved or ApprovalDeclined.
func (m *Metrics) Approval(event string) {
	if m == nil {
		return
	}
	switch event {
	case ApprovalAsked, ApprovalApproved, ApprovalDeclined:
	default:
		event = other
	}
	m.approvals.WithLabelValues(event).Inc()
}

// SecretHandedOut records a secret written to a file or put behind a one-time link (via "file" or "link").
func (m *Metrics) SecretHandedOut(via string) {
	if m == nil {
		return
	}
	if via != "file" && via != "link" {
		via = other
	}
	m.secrets.WithLabelValues(via).Inc()
}

// StoreError records a state store call that failed because the store did not answer; op is the operation
// (state.UnavailableError.Op: issue, redeem, put_link, take_link, has_link, incr, health).
func (m *Metrics) StoreError(op string) {
	if m == nil {
		return
	}
	switch op {
	case "issue", "redeem", "put_link", "take_link", "has_link", "incr", "health":
	default:
		op = other
	}
	m.storeErrors.WithLabelValues(op).Inc()
}

// Handler serves the metrics in the Prometheus text format. Authentication in front of it is the server's job.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry exposes the registry so that other packages can add collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// toolLabel admits the first maxTools distinct tool names and folds the rest into "other".
func (m *Metrics) toolLabel(tool string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tools[tool] {
		return tool
	}
	if len(m.tools) >= maxTools || tool == "" || len(tool) > 128 {
		return other
	}
	m.tools[tool] = true
	return tool
}
