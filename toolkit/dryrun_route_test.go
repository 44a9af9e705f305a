package toolkit

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
)

// In a dry run, a write must never be sent, whatever the names in its path:
// a user named "ops/_query/x" once made a password reset pass for a read.
func TestDryRunSendsNoWriteWhateverTheNames(t *testing.T) {
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	es, err := esapi.New(esapi.Config{URL: srv.URL, APIKey: "eA==", Transport: DryRunTransport(nil)})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ctx := withRecorder(context.Background(), rec)
	for _, name := range []string{"ops/_query/x", "x/_has_privileges", "a/_authenticate"} {
		if err := es.ChangePassword(ctx, name, "a-new-password-123"); err != nil {
			t.Fatal(err)
		}
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d password changes were sent during a dry run", n)
	}
	if got := len(rec.requests()); got != 3 {
		t.Errorf("%d requests recorded, want 3", got)
	}
	// Reads still go through, so the plan is computed against real state.
	if _, err := es.QueryAPIKeys(ctx, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if sent.Load() != 1 || strings.Contains(rec.requests()[len(rec.requests())-1].URL, "_query") {
		t.Errorf("the API key query (a read) was not sent: sent=%d", sent.Load())
	}
}

// A recorded write is answered as its service answers an empty success, as
// the service's client describes it, also behind a proxy path.
func TestDryRunAnswersWritesAsTheirServiceWould(t *testing.T) {
	tr := DryRunTransport(http.NewFileTransport(http.Dir(t.TempDir()))) // never reached
	ctx := withRecorder(context.Background(), &recorder{})
	for _, c := range []struct {
		method, url string
		status      int
		body        string
	}{
		{"PUT", "https://kb.example/api/security/role/r", 204, ""},
		{"PUT", "https://proxy.example/kibana/api/security/role/r", 204, ""},
		{"DELETE", "https://kb.example/s/api/security/role/r", 204, ""},
		{"POST", "https://es.example/_security/api_key", 200, "{}"},
		{"PUT", "https://proxy.example/es/_security/user/bob", 200, "{}"},
		{"POST", "https://cloud.example/api/v1/users/auth/keys", 200, "{}"},
	} {
		req, _ := http.NewRequestWithContext(ctx, c.method, c.url, nil)
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != c.status || string(b) != c.body {
			t.Errorf("%s %s answered %d %q, want %d %q", c.method, c.url, res.StatusCode, b, c.status, c.body)
		}
	}
}
