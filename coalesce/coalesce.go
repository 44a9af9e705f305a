// Package coalesce lets identical upstream reads that are in flight at the
// same time share one request: when many callers of a team server ask the
// same thing at once (whoami, the same role listing), the upstream service
// answers once instead of once per caller.
//
// Sharing must not make an answer older than the call that gets it. A read
// may therefore join only a request that was sent after its own call began,
// so the answer reflects the upstream state at a moment inside that call,
// as if the call had sent the request itself. Only calls that change nothing
// opt in (WithReadsSince): a write's later reads must see the write, which a
// request sent earlier in the same call would not. Requests are identical
// when their method, URL and every header that shapes the answer match,
// credentials included, so callers with different credentials never share.
package coalesce

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

type sinceKey struct{}

// WithReadsSince marks ctx as belonging to a call that changes nothing and
// began at start: its GET requests may share an identical request sent at
// or after start.
func WithReadsSince(ctx context.Context, start time.Time) context.Context {
	return context.WithValue(ctx, sinceKey{}, start)
}

func readsSince(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(sinceKey{}).(time.Time)
	return t, ok
}

// maxBody bounds a shared answer; the clients bound theirs below it.
const maxBody = 64 << 20

// Transport is an http.RoundTripper that shares identical GET requests of
// calls marked with WithReadsSince; every other request passes to Next.
type Transport struct {
	Next http.RoundTripper

	mu      sync.Mutex
	flights map[string]*flight
}

// New wraps next.
func New(next http.RoundTripper) *Transport { return &Transport{Next: next} }

// flight is one request on its way, and then its answer.
type flight struct {
	sent    time.Time
	done    chan struct{}
	waiters int // requests sharing it besides the first (for tests)

	resp *http.Response // status and headers; the body is in body
	body []byte
	err  error
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	since, ok := readsSince(req.Context())
	if !ok || req.Method != http.MethodGet || (req.Body != nil && req.Body != http.NoBody) {
		return t.Next.RoundTrip(req)
	}
	key := requestKey(req)
	t.mu.Lock()
	f := t.flights[key]
	if f == nil || f.sent.Before(since) {
		// A request sent before this call began may answer with a state
		// older than the call: send a new one, which later reads share.
		f = &flight{sent: time.Now(), done: make(chan struct{})}
		if t.flights == nil {
			t.flights = map[string]*flight{}
		}
		t.flights[key] = f
		go t.send(key, f, req)
	} else {
		f.waiters++
	}
	t.mu.Unlock()
	select {
	case <-f.done:
		return f.answer(req)
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// send makes the request and keeps its answer for every request sharing it.
// It runs apart from the first caller's cancellation, so that a call given
// up does not fail the others; the first caller's deadline still bounds it.
func (t *Transport) send(key string, f *flight, req *http.Request) {
	defer func() {
		t.mu.Lock()
		if t.flights[key] == f {
			delete(t.flights, key)
		}
		t.mu.Unlock()
		close(f.done)
	}()
	ctx := context.WithoutCancel(req.Context())
	if dl, ok := req.Context().Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	resp, err := t.Next.RoundTrip(req.Clone(ctx))
	if err != nil {
		f.err = err
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err != nil:
		f.err = err
	case len(body) > maxBody:
		f.err = errors.New("the answer is larger than 64 MiB")
	default:
		f.resp, f.body = resp, body
	}
}

// answer gives one request its own copy of the shared answer.
func (f *flight) answer(req *http.Request) (*http.Response, error) {
	if f.err != nil {
		return nil, f.err
	}
	r := *f.resp
	r.Header = f.resp.Header.Clone()
	r.Body = io.NopCloser(bytes.NewReader(f.body))
	r.ContentLength = int64(len(f.body))
	r.Request = req
	r.TLS = nil
	return &r, nil
}

// requestKey names what a request asks and as whom: the URL and every
// header except the per-request trace id, in a fixed order.
func requestKey(req *http.Request) string {
	names := make([]string, 0, len(req.Header))
	for name := range req.Header {
		if name != "X-Opaque-Id" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(req.URL.String())
	for _, name := range names {
		for _, v := range req.Header[name] {
			b.WriteString("\n")
			b.WriteString(name)
			b.WriteString(": ")
			b.WriteString(v)
		}
	}
	return b.String()
}
