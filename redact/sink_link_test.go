package redact

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestLinkSink(t *testing.T, ttl time.Duration) (*LinkSink, *httptest.Server, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	l := NewLinkSink("http://placeholder.invalid/", ttl)
	l.SetClock(clock.now)
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(srv.Close)
	l.base = srv.URL // the real listener address is known only now
	return l, srv, clock
}

func get(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestLinkSinkServesOnce(t *testing.T) {
	l, srv, clock := newTestLinkSink(t, 0)
	ref, err := l.Put(context.Background(), Secret{Label: "password for alice", Value: "pw-once-1", Fields: map[string]string{"username": "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Kind != "link" || !strings.HasPrefix(ref.Location, srv.URL+"/secrets/") {
		t.Fatalf("ref = %+v", ref)
	}
	if id := strings.TrimPrefix(ref.Location, srv.URL+"/secrets/"); len(id) != 43 { // 32 bytes, base64url
		t.Fatalf("id %q is not 32 random bytes", id)
	}
	if ref.ExpiresAt == nil || !ref.ExpiresAt.Equal(clock.now().Add(DefaultLinkTTL)) {
		t.Fatalf("expires = %v", ref.ExpiresAt)
	}
	if !strings.Contains(ref.Instructions, "once") || !strings.Contains(ref.Instructions, "2026-03-01T12:10:00Z") {
		t.Fatalf("instructions: %s", ref.Instructions)
	}

	// A HEAD (a link checker, a chat preview) does not use the link up.
	if resp, _ := get(t, http.MethodHead, ref.Location); resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD: %d", resp.StatusCode)
	}
	resp, body := get(t, http.MethodGet, ref.Location)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first GET: %d %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control = %q", cc)
	}
	var doc document
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Secret != "pw-once-1" || doc.Fields["username"] != "alice" {
		t.Fatalf("body = %s (%v)", body, err)
	}
	resp, _ = get(t, http.MethodGet, ref.Location)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("second GET: %d", resp.StatusCode)
	}
}

func TestLinkSinkExpiry(t *testing.T) {
	l, _, clock := newTestLinkSink(t, time.Minute)
	ref, _ := l.Put(context.Background(), Secret{Value: "pw-expiring"})
	clock.add(time.Minute)
	resp, body := get(t, http.MethodGet, ref.Location)
	if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "pw-expiring") {
		t.Fatalf("expired GET: %d %s", resp.StatusCode, body)
	}
}

func TestLinkSinkSweepsExpired(t *testing.T) {
	l, _, clock := newTestLinkSink(t, time.Minute)
	for range 3 {
		l.Put(context.Background(), Secret{Value: "x"})
	}
	clock.add(2 * time.Minute)
	l.Put(context.Background(), Secret{Value: "y"})
	l.mu.Lock()
	n := len(l.pending)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d entries held after expiry, want 1", n)
	}
}

func TestLinkSinkUnknownAndWrongMethod(t *testing.T) {
	l, srv, _ := newTestLinkSink(t, 0)
	ref, _ := l.Put(context.Background(), Secret{Value: "x"})
	if resp, _ := get(t, http.MethodGet, srv.URL+"/secrets/nope"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown: %d", resp.StatusCode)
	}
	if resp, _ := get(t, http.MethodPost, ref.Location); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	if resp, _ := get(t, http.MethodGet, ref.Location); resp.StatusCode != http.StatusOK {
		t.Fatalf("link used up by other requests: %d", resp.StatusCode)
	}
}

func TestLinkSinkConcurrentGetServesOnce(t *testing.T) {
	l, _, _ := newTestLinkSink(t, 0)
	ref, _ := l.Put(context.Background(), Secret{Value: "x"})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, _ := get(t, http.MethodGet, ref.Location); resp.StatusCode == http.StatusOK {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("served %d times", ok)
	}
}

func TestLinkSinkBaseURLAndTTL(t *testing.T) {
	l := NewLinkSink("https://mcp.example.com/", 0)
	ref, _ := l.Put(context.Background(), Secret{Value: "x"})
	if !strings.HasPrefix(ref.Location, "https://mcp.example.com/secrets/") {
		t.Fatalf("location %s", ref.Location)
	}
	if l.ttl != 10*time.Minute {
		t.Fatalf("ttl %v", l.ttl)
	}
}
