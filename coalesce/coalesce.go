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
// credentials included, so callers with different credentials never share;
// the per-request trace id (X-Opaque-Id) is left out, so a shared request
// carries the first caller's.
//
// The first caller sends the request itself and, when nobody shares it, gets
// the answer untouched: the usual, unshared read costs a map lookup. When
// its call ends before the answer comes, the callers sharing it send their
// own request instead of inheriting its cancellation.
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
	waiters int // requests sharing it besides the first

	resp *http.Response // status and headers; the body is in body
	body []byte
	err  error
	// abandoned: the first caller's call ended before the answer came, so
	// the error is its own; the others ask again.
	abandoned bool
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	since, ok := readsSince(req.Context())
	if !ok || req.Method != http.MethodGet || (req.Body != nil && req.Body != http.NoBody) {
		return t.Next.RoundTrip(req)
	}
	key := requestKey(req)
	for {
		t.mu.Lock()
		f := t.flights[key]
		if f == nil || f.sent.Before(since) {
			// None on its way, or one sent before this call began, whose
			// answer may be older than the call: send this one, and let
			// later reads share it.
			f = &flight{sent: time.Now(), done: make(chan struct{})}
			if t.flights == nil {
				t.flights = map[string]*flight{}
			}
			t.flights[key] = f
			t.mu.Unlock()
			return t.lead(key, f, req)
		}
		f.waiters++
		t.mu.Unlock()
		select {
		case <-f.done:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		if !f.abandoned {
			return f.answer(req)
		}
	}
}

// lead sends the request of flight f. When nobody shares it by the time the
// answer comes (the usual case), the answer is passed on as it is;
// otherwise its body is read once and every sharer gets a copy.
func (t *Transport) lead(key string, f *flight, req *http.Request) (*http.Response, error) {
	resp, err := t.Next.RoundTrip(req)
	t.mu.Lock()
	if t.flights[key] == f {
		delete(t.flights, key) // nobody joins it from now on
	}
	shared := f.waiters > 0
	t.mu.Unlock()
	defer close(f.done)
	if !shared {
		return resp, err
	}
	if err == nil {
		var body []byte
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		if err == nil && len(body) > maxBody {
			err = errors.New("the answer is larger than 64 MiB")
		}
		f.resp, f.body = resp, body
	}
	if err != nil {
		f.err, f.abandoned = err, req.Context().Err() != nil
		return nil, err
	}
	return f.answer(req)
}

// answer gives one request its own copy of the shared answer.
func (f *flight) answer(req *http.Request) (*http.Response, error) {
	if f.err != nil {
		return nil, f.err
	}
	r := *f.resp
	r.Header = f.resp.Header.Clone() // each caller may change its own
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
