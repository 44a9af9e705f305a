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
	return do(t, method, url, nil, "")
}

// do sends a request with optional headers and a form body.
func do(t *testing.T, method, url string, header map[string]string, form string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, _ := http.NewRequest(method, url, body)
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// codeOf returns the one-time code carried in the fragment of a person's link.
func codeOf(t *testing.T, ref Ref) string {
	t.Helper()
	link, code, ok := strings.Cut(ref.PersonURL, "#code=")
	if !ok || link != ref.Location || len(code) < 16 {
		t.Fatalf("person URL %q does not carry a code for %q", ref.PersonURL, ref.Location)
	}
	return code
}

func TestLinkSinkServesOnce(t *testing.T) {
	l, srv, clock := newTestLinkSink(t, 0)
	var announced []NewLink
	l.OnNewLink(func(n NewLink) { announced = append(announced, n) })
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
	if !strings.Contains(ref.Instructions, "once") || !strings.Contains(ref.Instructions, "2026-03-01T12:10:00Z") ||
		!strings.Contains(ref.Instructions, "curl -sS --data-urlencode code=CODE "+ref.Location) {
		t.Fatalf("instructions: %s", ref.Instructions)
	}
	code := codeOf(t, ref)
	if len(announced) != 1 || announced[0].Code != code || announced[0].PersonURL != ref.PersonURL || announced[0].Label != "password for alice" {
		t.Fatalf("the console was not given the code: %+v", announced)
	}
	// What the model sees never carries the code.
	b, _ := json.Marshal(ref)
	if strings.Contains(string(b), code) {
		t.Fatalf("the serialized reference leaks the code: %s", b)
	}

	// A HEAD (a link checker, a chat preview) does not use the link up.
	if resp, _ := get(t, http.MethodHead, ref.Location); resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD: %d", resp.StatusCode)
	}
	resp, body := do(t, http.MethodPost, ref.Location, nil, "code="+code)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first POST: %d %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control = %q", cc)
	}
	var doc document
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Secret != "pw-once-1" || doc.Fields["username"] != "alice" {
		t.Fatalf("body = %s (%v)", body, err)
	}
	resp, _ = do(t, http.MethodPost, ref.Location, nil, "code="+code)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("second POST: %d", resp.StatusCode)
	}
}

// The link sits in the model's context; an agent that fetches it, with any
// method and no code, neither sees the secret nor uses the link up.
func TestLinkSinkLinkAloneDoesNotOpen(t *testing.T) {
	l, _, _ := newTestLinkSink(t, 0)
	ref, _ := l.Put(context.Background(), Secret{Label: "API key", Value: "essu_model_must_not_see"})
	code := codeOf(t, ref)
	for _, tc := range []struct {
		method, form string
		header       map[string]string
		want         int
	}{
		{http.MethodGet, "", nil, http.StatusOK},                                      // the page asking for the code
		{http.MethodGet, "", map[string]string{"Accept": "text/html"}, http.StatusOK}, // a browser
		{http.MethodPost, "", nil, http.StatusForbidden},                              // no code
		{http.MethodPost, "code=AAAAAAAAAAAAAAAA", nil, http.StatusForbidden},         // a guess
		{http.MethodGet, "", map[string]string{"Authorization": "Bearer guess"}, http.StatusForbidden},
		{http.MethodPut, "", nil, http.StatusMethodNotAllowed},
	} {
		resp, body := do(t, tc.method, ref.Location, tc.header, tc.form)
		if resp.StatusCode != tc.want || strings.Contains(body, "essu_model_must_not_see") {
			t.Fatalf("%s %v %q: %d, secret shown: %v", tc.method, tc.header, tc.form, resp.StatusCode, strings.Contains(body, "essu_"))
		}
	}
	// Only now, with the code, does the person get it.
	resp, body := do(t, http.MethodGet, ref.Location, map[string]string{"Authorization": "Bearer " + code}, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "essu_model_must_not_see") {
		t.Fatalf("with the code: %d %s", resp.StatusCode, body)
	}
}

// A person opens the link in a browser: a page asks for the code (filled
// from the fragment of their link), then shows the secret once, uncached.
func TestLinkSinkBrowserPages(t *testing.T) {
	l, _, _ := newTestLinkSink(t, 0)
	ref, _ := l.Put(context.Background(), Secret{Label: "password for bob", Value: "pw-<b>&-html", Fields: map[string]string{"username": "bob"}})
	code := codeOf(t, ref)
	html := map[string]string{"Accept": "text/html,application/xhtml+xml"}
	resp, page := do(t, http.MethodGet, ref.Location, html, "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("form page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<form method="post" action="` + ref.Location + `"`, `name="code"`, "location.hash", "curl -sS"} {
		if !strings.Contains(page, want) {
			t.Errorf("form page lacks %q", want)
		}
	}
	for name, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'nonce-") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	resp, page = do(t, http.MethodPost, ref.Location, html, "code="+strings.ToLower(code))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "pw-&lt;b&gt;&amp;-html") || !strings.Contains(page, "username: bob") {
		t.Fatalf("secret page: %d %s", resp.StatusCode, page)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("secret page may be cached or leak its address: %v", resp.Header)
	}
	resp, page = do(t, http.MethodPost, ref.Location, html, "code="+code)
	if resp.StatusCode != http.StatusNotFound || strings.Contains(page, "pw-") {
		t.Fatalf("second open: %d", resp.StatusCode)
	}
}

// With a bearer token configured, the token opens any link, and the
// instructions say so.
func TestLinkSinkBearerToken(t *testing.T) {
	l, _, _ := newTestLinkSink(t, 0)
	l.AcceptBearer("a-token-of-at-least-thirty-two-characters")
	ref, _ := l.Put(context.Background(), Secret{Value: "pw-bearer"})
	if !strings.Contains(ref.Instructions, `curl -sS --data-urlencode "code=$MCP_HTTP_TOKEN" `+ref.Location) {
		t.Fatalf("instructions: %s", ref.Instructions)
	}
	resp, body := do(t, http.MethodPost, ref.Location, nil, "code=a-token-of-at-least-thirty-two-characters")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "pw-bearer") {
		t.Fatalf("token in the form: %d %s", resp.StatusCode, body)
	}
	ref, _ = l.Put(context.Background(), Secret{Value: "pw-bearer"})
	resp, body = do(t, http.MethodGet, ref.Location, map[string]string{"Authorization": "Bearer a-token-of-at-least-thirty-two-characters"}, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "pw-bearer") {
		t.Fatalf("bearer: %d %s", resp.StatusCode, body)
	}
}

func TestLinkSinkExpiry(t *testing.T) {
	l, _, clock := newTestLinkSink(t, time.Minute)
	ref, _ := l.Put(context.Background(), Secret{Value: "pw-expiring"})
	clock.add(time.Minute)
	resp, body := do(t, http.MethodPost, ref.Location, nil, "code="+codeOf(t, ref))
	if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "pw-expiring") {
		t.Fatalf("expired POST: %d %s", resp.StatusCode, body)
	}
}

func TestLinkSinkUnknownAndWrongMethod(t *testing.T) {
	l, srv, _ := newTestLinkSink(t, 0)
	ref, _ := l.Put(context.Background(), Secret{Value: "x"})
	if resp, _ := get(t, http.MethodGet, srv.URL+"/secrets/nope"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown: %d", resp.StatusCode)
	}
	if resp, _ := get(t, http.MethodDelete, ref.Location); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	if resp, _ := do(t, http.MethodPost, ref.Location, nil, "code="+codeOf(t, ref)); resp.StatusCode != http.StatusOK {
		t.Fatalf("link used up by other requests: %d", resp.StatusCode)
	}
}

func TestLinkSinkConcurrentOpenServesOnce(t *testing.T) {
	l, _, _ := newTestLinkSink(t, 0)
	ref, _ := l.Put(context.Background(), Secret{Value: "x"})
	code := codeOf(t, ref)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, _ := do(t, http.MethodPost, ref.Location, nil, "code="+code); resp.StatusCode == http.StatusOK {
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

// The instructions reach the model through the redactor; nothing in them may
// look like a secret, or the result would be mangled and a second link made.
func TestLinkInstructionsSurviveRedaction(t *testing.T) {
	for _, bearer := range []string{"", "a-token-of-at-least-thirty-two-characters"} {
		l := NewLinkSink("https://mcp.example.com", 0)
		l.AcceptBearer(bearer)
		ref, _ := l.Put(context.Background(), Secret{Label: "API key", Value: "x"})
		if out, found := New(Options{}).Text(ref.Instructions); out != ref.Instructions || len(found) > 0 {
			t.Errorf("bearer %v: the redactor changed the instructions:\n%s\n%s", bearer != "", ref.Instructions, out)
		}
	}
}
