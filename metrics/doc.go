// Package metrics records what the server does for Prometheus, in a registry of its own.
//
// The server creates one *Metrics at start-up (nil when metrics are off: every method is then a no-op) and mounts
// its handler at /metrics on the HTTP listener, behind the same bearer token as /mcp, and on --metrics-listen when
// given:
//
//	m := metrics.New()
//	mux.Handle("/metrics", requireToken(m.Handler()))
//
// Calls the server makes:
//
//	m.ToolCall(tool, metrics.OutcomeOK|OutcomeError|OutcomeRefused, time.Since(start)) // a tool middleware, once per call
//	m.UpstreamRequest(metrics.PlaneCloud|PlaneElasticsearch|PlaneKibana, status)       // the HTTP transports; 0 = no response
//	m.Approval(metrics.ApprovalAsked|ApprovalApproved|ApprovalDeclined)                // the confirmation flow
//	m.SecretHandedOut("file"|"link")                                                   // the secret sinks
//	m.StoreError(op)                                                                   // on a state.UnavailableError, with its Op
//
// Series (all prefixed elastic_access_mcp_): tool_calls_total{tool,outcome}, tool_call_duration_seconds{tool}
// (a histogram from 5 ms to 5 min, since a call may wait for a person's approval), upstream_requests_total
// {plane,status}, approvals_total{event}, secrets_handed_out_total{via}, state_store_errors_total{op}, plus the Go
// runtime and process collectors. Label values outside the known sets, and tool names beyond the first 200, are
// recorded as "other", so that callers cannot create series without bound. No label ever carries a caller's
// identity, an argument or a secret.
package metrics
