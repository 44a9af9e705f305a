package redact

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/caller"
)

// A link made for one caller opens with the bearer token only together with that caller's credentials; another
// caller's attempt does not use it up. The link's own code still opens it (it reaches only the person who asked).
func TestLinkSinkBearerOpensOnlyTheOwnersLink(t *testing.T) {
	const token = "a-token-of-at-least-thirty-two-characters"
	l, _, _ := newTestLinkSink(t, time.Minute)
	l.AcceptBearer(token)
	l.OwnerOf(func(r *http.Request) string { return r.Header.Get("X-Test-Caller") }, "your X-Test-Caller header")
	ref, err := l.Put(caller.With(context.Background(), "alice"), Secret{Value: "pw-alice-only"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ref.Instructions, "your X-Test-Caller header") {
		t.Fatalf("the instructions do not say what opens the link with the token: %s", ref.Instructions)
	}
	for _, who := range []string{"bob", ""} {
		resp, body := do(t, http.MethodGet, ref.Location, map[string]string{"Authorization": "Bearer " + token, "X-Test-Caller": who}, "")
		if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "pw-alice-only") {
			t.Fatalf("caller %q opened alice's link: %d %s", who, resp.StatusCode, body)
		}
	}
	resp, body := do(t, http.MethodGet, ref.Location, map[string]string{"Authorization": "Bearer " + token, "X-Test-Caller": "alice"}, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "pw-alice-only") {
		t.Fatalf("alice could not open her own link: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, http.MethodGet, ref.Location, map[string]string{"Authorization": "Bearer " + token, "X-Test-Caller": "alice"}, "")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second open: %d, want 404", resp.StatusCode)
	}

	ref, _ = l.Put(caller.With(context.Background(), "alice"), Secret{Value: "pw-by-code"})
	resp, body = do(t, http.MethodPost, ref.Location, nil, "code="+codeOf(t, ref))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "pw-by-code") {
		t.Fatalf("code: %d %s", resp.StatusCode, body)
	}
}
