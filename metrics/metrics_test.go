package metrics

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches the handler as Prometheus would and parses what it serves.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the scrape is not valid Prometheus text: %v", err)
	}
	return fams
}

// value returns the sample of family name whose labels match, or fails.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	fam, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range fam.GetMetric() {
		if !labelsMatch(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no %s sample with labels %v", name, labels)
	return 0
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestScrapeReportsToolCallsByToolAndOutcome(t *testing.T) {
	m := New()
	m.ToolCall("create_api_key", OutcomeOK, 30*time.Millisecond)
	m.ToolCall("create_api_key", OutcomeOK, 2*time.Second)
	m.ToolCall("create_api_key", OutcomeRefused, time.Millisecond)
	m.ToolCall("list_users", OutcomeError, time.Millisecond)

	fams := scrape(t, m)
	calls := "elastic_access_mcp_tool_calls_total"
	for labels, want := range map[[2]string]float64{
		{"create_api_key", "ok"}: 2, {"create_api_key", "refused"}: 1, {"list_users", "error"}: 1,
	} {
		if got := value(t, fams, calls, map[string]string{"tool": labels[0], "outcome": labels[1]}); got != want {
			t.Errorf("%v: %v calls, want %v", labels, got, want)
		}
	}
	lat := fams["elastic_access_mcp_tool_call_duration_seconds"]
	if lat == nil {
		t.Fatal("no latency histogram")
	}
	for _, s := range lat.GetMetric() {
		if !labelsMatch(s, map[string]string{"tool": "create_api_key"}) {
			continue
		}
		h := s.GetHistogram()
		if h.GetSampleCount() != 3 || h.GetSampleSum() < 2.03 || h.GetSampleSum() > 2.04 {
			t.Fatalf("histogram count %d sum %v, want 3 and 2.031s", h.GetSampleCount(), h.GetSampleSum())
		}
		for _, b := range h.GetBucket() {
			if b.GetUpperBound() == 0.05 && b.GetCumulativeCount() != 2 {
				t.Fatalf("%d calls under 50ms, want 2", b.GetCumulativeCount())
			}
		}
		return
	}
	t.Fatal("no latency series for create_api_key")
}

func TestScrapeReportsUpstreamApprovalsSecretsAndStoreErrors(t *testing.T) {
	m := New()
	fams := scrape(t, m)
	for _, e := range []string{"asked", "approved", "declined"} {
		if got := value(t, fams, "elastic_access_mcp_approvals_total", map[string]string{"event": e}); got != 0 {
			t.Fatalf("%s starts at %v", e, got)
		}
	}

	m.UpstreamRequest(PlaneElasticsearch, 200)
	m.UpstreamRequest(PlaneElasticsearch, 200)
	m.UpstreamRequest(PlaneCloud, 403)
	m.UpstreamRequest(PlaneKibana, 0)
	m.Approval(ApprovalAsked)
	m.Approval(ApprovalAsked)
	m.Approval(ApprovalApproved)
	m.Approval(ApprovalDeclined)
	m.SecretHandedOut("link")
	m.StoreError("redeem")

	fams = scrape(t, m)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"elastic_access_mcp_upstream_requests_total", map[string]string{"plane": "elasticsearch", "status": "200"}, 2},
		{"elastic_access_mcp_upstream_requests_total", map[string]string{"plane": "cloud", "status": "403"}, 1},
		{"elastic_access_mcp_upstream_requests_total", map[string]string{"plane": "kibana", "status": "error"}, 1},
		{"elastic_access_mcp_approvals_total", map[string]string{"event": "asked"}, 2},
		{"elastic_access_mcp_approvals_total", map[string]string{"event": "approved"}, 1},
		{"elastic_access_mcp_approvals_total", map[string]string{"event": "declined"}, 1},
		{"elastic_access_mcp_secrets_handed_out_total", map[string]string{"via": "link"}, 1},
		{"elastic_access_mcp_secrets_handed_out_total", map[string]string{"via": "file"}, 0},
		{"elastic_access_mcp_state_store_errors_total", map[string]string{"op": "redeem"}, 1},
	}
	for _, c := range checks {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("the Go runtime collector is missing")
	}
}

// Label values come partly from callers; unexpected ones fold into "other" so series cannot grow without bound.
func TestLabelsStayBounded(t *testing.T) {
	m := New()
	for i := 0; i < maxTools+50; i++ {
		m.ToolCall(fmt.Sprintf("made_up_%d", i), OutcomeError, time.Millisecond)
	}
	m.ToolCall("x", "weird", time.Millisecond)
	m.UpstreamRequest("somewhere", 999)
	m.Approval("maybe")
	m.StoreError("drop_table")

	fams := scrape(t, m)
	if n := len(fams["elastic_access_mcp_tool_calls_total"].GetMetric()); n > maxTools+2 {
		t.Fatalf("%d tool call series, want at most %d", n, maxTools+2)
	}
	if got := value(t, fams, "elastic_access_mcp_tool_calls_total", map[string]string{"tool": "other", "outcome": "error"}); got != 50 {
		t.Fatalf("%v calls folded into other, want 50", got)
	}
	if got := value(t, fams, "elastic_access_mcp_tool_calls_total", map[string]string{"tool": "other", "outcome": "other"}); got != 1 {
		t.Fatalf("unknown outcome: %v", got)
	}
	if got := value(t, fams, "elastic_access_mcp_upstream_requests_total", map[string]string{"plane": "other", "status": "error"}); got != 1 {
		t.Fatalf("unknown plane and status: %v", got)
	}
	value(t, fams, "elastic_access_mcp_approvals_total", map[string]string{"event": "other"})
	value(t, fams, "elastic_access_mcp_state_store_errors_total", map[string]string{"op": "other"})
}

func TestNilMetricsRecordNothingAndServeNotFound(t *testing.T) {
	var m *Metrics
	m.ToolCall("t", OutcomeOK, time.Second)
	m.UpstreamRequest(PlaneCloud, 200)
	m.Approval(ApprovalAsked)
	m.SecretHandedOut("file")
	m.StoreError("redeem")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
}

func TestConcurrentRecordingIsCounted(t *testing.T) {
	m := New()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				m.ToolCall("list_users", OutcomeOK, time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if got := value(t, scrape(t, m), "elastic_access_mcp_tool_calls_total", map[string]string{"tool": "list_users", "outcome": "ok"}); got != 800 {
		t.Fatalf("%v calls counted, want 800", got)
	}
}

// Two servers in one process (as in tests) keep separate counts: each has its own registry.
func TestInstancesDoNotShareCounts(t *testing.T) {
	a, b := New(), New()
	a.ToolCall("t", OutcomeOK, time.Millisecond)
	fams := scrape(t, b)
	if fam, ok := fams["elastic_access_mcp_tool_calls_total"]; ok && len(fam.GetMetric()) > 0 {
		t.Fatal("a call recorded on one instance shows on another")
	}
}
