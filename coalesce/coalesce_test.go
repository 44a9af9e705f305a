package coalesce_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/coalesce"
)

// upstream counts requests and holds each until release is closed.
type upstream struct {
	srv     *httptest.Server
	count   atomic.Int64
	release chan struct{}
	state   atomic.Int64 // what the answer says: that many x
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{release: make(chan struct{})}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.count.Add(1)
		state := u.state.Load() // the answer is the state when the request arrived
		<-u.release
		w.Header().Set("X-State", r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, strings.Repeat("x", int(state)))
	}))
	t.Cleanup(func() {
		select {
		case <-u.release:
		default:
			close(u.release)
		}
		u.srv.Close()
	})
	return u
}

func get(t *testing.T, ctx context.Context, url, auth string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	return req
}

type answer struct {
	body, state string
	err         error
}

func roundTrip(tr http.RoundTripper, req *http.Request) answer {
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{body: string(b), state: resp.Header.Get("X-State"), err: err}
}

// waitFor polls until cond holds (the requests have reached the transport).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestIdenticalReadsInFlightShareOneRequest(t *testing.T) {
	u := newUpstream(t)
	u.state.Store(3)
	tr := coalesce.New(http.DefaultTransport)
	ctx := coalesce.WithReadsSince(context.Background(), time.Now())
	const n = 8
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = roundTrip(tr, get(t, ctx, u.srv.URL+"/x", "ApiKey a")) })
	}
	probe := get(t, ctx, u.srv.URL+"/x", "ApiKey a")
	waitFor(t, "the reads to share a request", func() bool { return tr.Waiting(probe) == n-1 })
	close(u.release)
	wg.Wait()
	if c := u.count.Load(); c != 1 {
		t.Fatalf("%d upstream requests for %d identical reads in flight; want 1", c, n)
	}
	for i, a := range answers {
		if a.err != nil || a.body != "xxx" || a.state != "ApiKey a" {
			t.Fatalf("read %d got %+v; want the shared answer", i, a)
		}
	}
}

// A read whose call began after the request in flight was sent must not
// get that request's answer: it may predate a change made in between.
func TestAReadNeverSharesARequestSentBeforeItsCallBegan(t *testing.T) {
	u := newUpstream(t)
	tr := coalesce.New(http.DefaultTransport)
	early := coalesce.WithReadsSince(context.Background(), time.Now())
	first := make(chan answer, 1)
	go func() { first <- roundTrip(tr, get(t, early, u.srv.URL+"/x", "ApiKey a")) }()
	waitFor(t, "the first request", func() bool { return u.count.Load() == 1 })
	u.state.Store(5) // a change lands while the first request is on its way

	late := coalesce.WithReadsSince(context.Background(), time.Now())
	second := make(chan answer, 1)
	go func() { second <- roundTrip(tr, get(t, late, u.srv.URL+"/x", "ApiKey a")) }()
	waitFor(t, "the later call's own request", func() bool { return u.count.Load() == 2 })
	close(u.release)
	if a := <-second; a.err != nil || a.body != "xxxxx" {
		t.Fatalf("the later call got %+v; want the state after the change", a)
	}
	if a := <-first; a.err != nil || a.body != "" {
		t.Fatalf("the first call got %+v; want the state before the change", a)
	}
}

func TestCredentialsMethodsAndUnmarkedCallsNeverShare(t *testing.T) {
	u := newUpstream(t)
	close(u.release)
	tr := coalesce.New(http.DefaultTransport)
	ctx := coalesce.WithReadsSince(context.Background(), time.Now())
	if a, b := roundTrip(tr, get(t, ctx, u.srv.URL+"/x", "ApiKey a")), roundTrip(tr, get(t, ctx, u.srv.URL+"/x", "ApiKey b")); a.state != "ApiKey a" || b.state != "ApiKey b" {
		t.Fatalf("answers crossed credentials: %+v %+v", a, b)
	}
	post, _ := http.NewRequestWithContext(ctx, http.MethodPost, u.srv.URL+"/x", strings.NewReader("{}"))
	if a := roundTrip(tr, post); a.err != nil {
		t.Fatal(a.err)
	}
	if a := roundTrip(tr, get(t, context.Background(), u.srv.URL+"/x", "ApiKey a")); a.err != nil {
		t.Fatal(a.err)
	}
	if c := u.count.Load(); c != 4 {
		t.Fatalf("%d upstream requests; want 4 (one each: two credentials, a POST, an unmarked call)", c)
	}
}

// The first caller giving up does not fail the others sharing its request.
func TestAFirstCallerCancelledLeavesTheOthersTheirAnswer(t *testing.T) {
	u := newUpstream(t)
	u.state.Store(2)
	tr := coalesce.New(http.DefaultTransport)
	since := time.Now()
	leaderCtx, cancel := context.WithCancel(coalesce.WithReadsSince(context.Background(), since))
	leader := make(chan answer, 1)
	go func() { leader <- roundTrip(tr, get(t, leaderCtx, u.srv.URL+"/x", "ApiKey a")) }()
	waitFor(t, "the first request", func() bool { return u.count.Load() == 1 })
	other := make(chan answer, 1)
	otherCtx := coalesce.WithReadsSince(context.Background(), since)
	go func() { other <- roundTrip(tr, get(t, otherCtx, u.srv.URL+"/x", "ApiKey a")) }()
	probe := get(t, otherCtx, u.srv.URL+"/x", "ApiKey a")
	waitFor(t, "the second read to share", func() bool { return tr.Waiting(probe) == 1 })
	cancel()
	if a := <-leader; !errors.Is(a.err, context.Canceled) {
		t.Fatalf("the cancelled caller got %+v; want its cancellation", a)
	}
	close(u.release)
	if a := <-other; a.err != nil || a.body != "xx" {
		t.Fatalf("the other caller got %+v; want the answer", a)
	}
}
