package toolkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
)

// Dry runs work at the HTTP layer: every upstream client sends its requests
// through DryRunTransport, which, for a call marked dry_run, lets reads
// through (so the plan is computed against the real current state) and
// records writes instead of sending them. Tools therefore run their normal
// code in a dry run, and no write can slip through because a tool forgot to
// check a flag.

type recorderKey struct{}

type recorder struct {
	mu   sync.Mutex
	reqs []PlannedRequest
}

func (r *recorder) add(p PlannedRequest) {
	r.mu.Lock()
	r.reqs = append(r.reqs, p)
	r.mu.Unlock()
}

func (r *recorder) requests() []PlannedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]PlannedRequest(nil), r.reqs...)
}

func withRecorder(ctx context.Context, r *recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

// DryRunTransport wraps next so that requests made with a dry-run context are
// recorded instead of sent when they would change something.
func DryRunTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = esapi.PooledTransport()
	}
	return dryRunTransport{next: next}
}

type dryRunTransport struct{ next http.RoundTripper }

func (t dryRunTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec, _ := req.Context().Value(recorderKey{}).(*recorder)
	if rec == nil || isRead(req) {
		return t.next.RoundTrip(req)
	}
	p := PlannedRequest{Method: req.Method, URL: req.URL.String()}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		var v any
		if len(b) > 0 {
			if json.Unmarshal(b, &v) == nil {
				p.Body = v
			} else {
				p.Body = string(b)
			}
		}
	}
	rec.add(p)
	// An empty success lets multi-step tools plan their later steps; each
	// client says what one looks like for its routes. The product header
	// keeps the official Elasticsearch client satisfied.
	status, body := emptySuccess(req)
	return &http.Response{
		Status:        http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Elastic-Product": {"Elasticsearch"}},
		Body:          io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// emptySuccess is the answer to a recorded write, as the client of its
// service describes it (200 and {} when none claims the route).
func emptySuccess(req *http.Request) (int, string) {
	p := req.URL.EscapedPath()
	if status, body, ok := esapi.EmptySuccess(req.Method, p); ok {
		return status, body
	}
	if status, body, ok := cloudapi.EmptySuccess(req.Method, p); ok {
		return status, body
	}
	return http.StatusOK, "{}"
}

// isRead says whether a request only reads, by the clients' explicit route
// tables: unknown routes are writes.
func isRead(req *http.Request) bool {
	p := req.URL.EscapedPath()
	return esapi.IsReadRequest(req.Method, p) || cloudapi.IsReadRequest(req.Method, p)
}
