package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/metrics"
	"github.com/elastic-access-mcp/elastic-access-mcp/state"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// metricsMiddleware counts every call by tool and outcome, with its latency. It sits just inside the recovery
// layer, so it sees the final result, redaction and refusals included.
func (s *Server) metricsMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	if s.cfg.Metrics == nil {
		return next
	}
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		info := toolkit.InfoFromContext(ctx)
		start := time.Now()
		res, err := next(ctx, req)
		if err == nil && res != nil && res.NeedsInput() {
			// A confirmation prompt: counted as an approval asked; the call is counted when it comes back.
			return res, err
		}
		outcome := metrics.OutcomeOK
		switch {
		case err != nil:
			outcome = metrics.OutcomeError
		case res != nil && res.IsError:
			outcome = metrics.OutcomeError
			if info != nil && (info.ErrorKind() == toolkit.KindNotConfirmed || info.ErrorKind() == toolkit.KindRefused) {
				outcome = metrics.OutcomeRefused
			}
		}
		s.cfg.Metrics.ToolCall(req.Params.Name, outcome, time.Since(start))
		return res, err
	}
}

// countApprovalAnswer counts a person's answer to a confirmation prompt that comes back with a call (the
// 2026-07-28 protocol carries the answer in the retried call).
func (s *Server) countApprovalAnswer(req mcp.CallToolRequest) {
	if s.cfg.Metrics == nil {
		return
	}
	ans := mcpserver.ElicitationResponse(req.Params.InputResponses, "confirm")
	if ans == nil {
		return
	}
	approved := false
	if ans.Action == mcp.ElicitationResponseActionAccept {
		approved = true
		if content, ok := ans.Content.(map[string]any); ok {
			if v, present := content["confirm"]; present && v != true {
				approved = false
			}
		}
	}
	if approved {
		s.cfg.Metrics.Approval(metrics.ApprovalApproved)
	} else {
		s.cfg.Metrics.Approval(metrics.ApprovalDeclined)
	}
}

// planeTransport notes on the call (toolkit.CallInfo) that it reached the
// plane, and counts upstream requests by plane and status (0 = no
// response) when there are metrics.
func planeTransport(next http.RoundTripper, m *metrics.Metrics, plane toolkit.Plane) http.RoundTripper {
	if next == nil {
		next = esapi.PooledTransport()
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if info := toolkit.InfoFromContext(r.Context()); info != nil {
			info.Reach(plane)
		}
		resp, err := next.RoundTrip(r)
		if m != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			m.UpstreamRequest(string(plane), status)
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// observedStore counts the state store's failures and logs their cause for the operator; the agent sees only
// the store's own message (state.ErrUnavailable).
type observedStore struct {
	state.Store
	m      *metrics.Metrics
	logger interface {
		Error(msg string, args ...any)
	}
}

func (o observedStore) note(err error) error {
	var ue *state.UnavailableError
	if errors.As(err, &ue) {
		o.m.StoreError(ue.Op)
		if o.logger != nil {
			cause := "unknown"
			if ue.Err != nil {
				cause = ue.Err.Error()
			}
			o.logger.Error("state store unreachable", "op", ue.Op, "cause", cause)
		}
	}
	return err
}

func (o observedStore) IssueTime(ctx context.Context) (time.Time, error) {
	t, err := o.Store.IssueTime(ctx)
	return t, o.note(err)
}

func (o observedStore) RedeemOnce(ctx context.Context, nonce string, issued time.Time, ttl time.Duration) error {
	return o.note(o.Store.RedeemOnce(ctx, nonce, issued, ttl))
}

func (o observedStore) PutLink(ctx context.Context, id string, secret []byte, ttl time.Duration) error {
	return o.note(o.Store.PutLink(ctx, id, secret, ttl))
}

func (o observedStore) TakeLink(ctx context.Context, id string) ([]byte, bool, error) {
	b, ok, err := o.Store.TakeLink(ctx, id)
	return b, ok, o.note(err)
}

func (o observedStore) HasLink(ctx context.Context, id string) (bool, error) {
	ok, err := o.Store.HasLink(ctx, id)
	return ok, o.note(err)
}

func (o observedStore) Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	n, r, err := o.Store.Incr(ctx, key, window)
	return n, r, o.note(err)
}
