package cloudemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
)

// Faults are observed as a client sees them, with a plain client (the
// contract client would rightly reject a malformed body).
func TestFaultsFromTheClientSide(t *testing.T) {
	e := newEnv(t, Options{})
	members := "/api/v1/organizations/*/members"
	// No keep-alive: net/http silently retries an idempotent request whose
	// reused connection closes without a reply, which would hide a drop.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func() (*http.Response, []byte, error) {
		req, _ := http.NewRequest("GET", e.srv.URL+e.orgPath("/members"), nil)
		req.Header.Set("Authorization", "ApiKey "+e.seed.OwnerAPIKey)
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	envelope := func(t *testing.T, b []byte, code string) {
		t.Helper()
		var eb errorBody
		if err := json.Unmarshal(b, &eb); err != nil || len(eb.Errors) != 1 || eb.Errors[0].Code != code || eb.Errors[0].Message == "" {
			t.Fatalf("body %s, want a Cloud error with code %s", b, code)
		}
	}

	t.Run("503 once, then normal", func(t *testing.T) {
		e.emu.Faults().Add(fault.Fault{Method: "GET", Path: members, Kind: fault.Status, Status: 503, Times: 1})
		resp, b, err := get()
		if err != nil || resp.StatusCode != 503 || resp.Header.Get("x-cloud-error-codes") != codeUnavailable {
			t.Fatalf("%v %v", resp, err)
		}
		envelope(t, b, codeUnavailable)
		if resp, _, err := get(); err != nil || resp.StatusCode != 200 {
			t.Fatalf("after the fault: %v %v", resp, err)
		}
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		e.emu.Faults().Add(fault.Fault{Path: members, Kind: fault.RateLimit, RetryAfter: 7, Times: 1})
		resp, b, err := get()
		if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || resp.Header.Get("x-cloud-error-codes") != codeRateLimited {
			t.Fatalf("%v %v", resp, err)
		}
		envelope(t, b, codeRateLimited)
	})
	t.Run("429 without Retry-After", func(t *testing.T) {
		e.emu.Faults().Add(fault.Fault{Path: members, Kind: fault.RateLimit, Times: 1})
		resp, b, err := get()
		if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "" {
			t.Fatalf("%v %v", resp, err)
		}
		envelope(t, b, codeRateLimited)
	})
	t.Run("drop", func(t *testing.T) {
		e.emu.Faults().Add(fault.Fault{Path: members, Kind: fault.Drop, Times: 1})
		if _, _, err := get(); err == nil {
			t.Fatal("no error from a dropped connection")
		}
	})
	t.Run("truncate", func(t *testing.T) {
		e.emu.Faults().Add(fault.Fault{Path: members, Kind: fault.Truncate, Times: 1})
		_, _, err := get()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("err %v, want unexpected EOF", err)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		e.emu.Faults().Add(fault.Fault{Path: members, Kind: fault.Malformed, Times: 1})
		resp, b, err := get()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", resp, err)
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			t.Fatalf("body %s is valid JSON", b)
		}
	})
	t.Run("latency", func(t *testing.T) {
		e.emu.Faults().Add(fault.Fault{Path: members, Kind: fault.Latency, Delay: 50 * time.Millisecond, Times: 1})
		start := time.Now()
		resp, _, err := get()
		if err != nil || resp.StatusCode != 200 || time.Since(start) < 50*time.Millisecond {
			t.Fatalf("%v %v after %v", resp, err, time.Since(start))
		}
	})
	t.Run("faults apply before authentication", func(t *testing.T) {
		e.emu.Faults().Add(fault.Fault{Path: "/api/v1/*", Kind: fault.Status, Status: 500, Times: 1})
		resp, err := http.Get(e.srv.URL + "/api/v1/organizations") // no key at all
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 500 || !strings.Contains(string(b), codeInternal) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	if n := len(e.emu.Faults().List()); n != 0 {
		t.Fatalf("%d faults left", n)
	}
}
