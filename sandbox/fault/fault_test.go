package fault

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func serve(t *testing.T, in *Injector) *httptest.Server {
	t.Helper()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true,"padding":"0123456789"}`)
	})
	ts := httptest.NewServer(in.Wrap(ok))
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string) (int, http.Header, string, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), err
}

func TestFaultsMatchPathAndMethodAndCountDown(t *testing.T) {
	in := New(nil)
	ts := serve(t, in)
	in.Add(Fault{Method: "POST", Path: "/a", Kind: Status, Status: 500})
	in.Add(Fault{Path: "/orgs/*/members", Kind: Status, Status: 503, Times: 2})
	in.Add(Fault{Path: "/api/v1/*", Kind: RateLimit, RetryAfter: 7})

	if status, _, _, _ := get(t, ts.URL+"/a"); status != 200 {
		t.Errorf("a POST-only fault fired on GET: %d", status)
	}
	for i := 0; i < 2; i++ {
		if status, _, _, _ := get(t, ts.URL+"/orgs/42/members"); status != 503 {
			t.Errorf("call %d: %d, want 503", i, status)
		}
	}
	if status, _, _, _ := get(t, ts.URL+"/orgs/42/members"); status != 200 {
		t.Errorf("a fault limited to 2 fired a third time: %d", status)
	}
	status, hdr, _, _ := get(t, ts.URL+"/api/v1/deep/path")
	if status != 429 || hdr.Get("Retry-After") != "7" {
		t.Errorf("prefix fault: %d, Retry-After %q", status, hdr.Get("Retry-After"))
	}
	if len(in.List()) != 2 {
		t.Errorf("the exhausted fault is still listed: %v", in.List())
	}
	in.Clear()
	if status, _, _, _ := get(t, ts.URL+"/api/v1/x"); status != 200 {
		t.Errorf("after Clear: %d", status)
	}
}

func TestFaultsBreakResponsesTheWayNetworksDo(t *testing.T) {
	in := New(func(status int, msg string) (string, []byte) {
		return "application/json", []byte(`{"custom":"` + msg + `"}`)
	})
	ts := serve(t, in)
	in.Add(Fault{Path: "/status", Kind: Status, Status: 502})
	in.Add(Fault{Path: "/malformed", Kind: Malformed})
	in.Add(Fault{Path: "/truncate", Kind: Truncate})
	in.Add(Fault{Path: "/drop", Kind: Drop})

	if status, _, body, _ := get(t, ts.URL+"/status"); status != 502 || !strings.Contains(body, `"custom"`) {
		t.Errorf("status fault should use the emulator's error envelope: %d %s", status, body)
	}
	if _, _, body, _ := get(t, ts.URL+"/malformed"); !strings.HasPrefix(body, "{") || strings.HasSuffix(strings.TrimSpace(body), "}") {
		t.Errorf("malformed body looks valid: %q", body)
	}
	if _, _, _, err := get(t, ts.URL+"/truncate"); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated body: %v, want unexpected EOF", err)
	}
	if _, _, _, err := get(t, ts.URL+"/drop"); err == nil {
		t.Error("dropped connection answered")
	}
}

func TestAdminHandler(t *testing.T) {
	in := New(nil)
	admin := httptest.NewServer(in.AdminHandler())
	defer admin.Close()
	resp, err := http.Post(admin.URL, "application/json", strings.NewReader(`{"path":"/x","kind":"status","status":500,"colour":"red"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || len(in.List()) != 0 {
		t.Fatalf("unknown field accepted: %d %v", resp.StatusCode, in.List())
	}
	resp, err = http.Post(admin.URL, "application/json", strings.NewReader(`{"path":"/x","kind":"status","status":500}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || len(in.List()) != 1 {
		t.Fatalf("add: %d %v", resp.StatusCode, in.List())
	}
	req, _ := http.NewRequest(http.MethodDelete, admin.URL, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(in.List()) != 0 {
		t.Fatal("DELETE did not clear the faults")
	}
}
