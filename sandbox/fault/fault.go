// Package fault injects failures into an emulator's HTTP handler so that the
// project's clients can be tested against the ways real services fail:
// latency, error statuses, 429 with and without Retry-After, dropped
// connections, truncated and malformed bodies.
//
// Faults are keyed by method and path pattern and can be limited to a number
// of occurrences, so a test can say "the next two GETs of /members answer 503"
// and then watch the client retry and succeed.
package fault

import (
	"bufio"
	"encoding/json"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind names one way of failing.
type Kind string

const (
	// Status answers with Fault.Status and an error body of the emulator's own
	// form (Fault.Body when given).
	Status Kind = "status"
	// RateLimit answers 429, with Retry-After when Fault.RetryAfter > 0.
	RateLimit Kind = "rate_limit"
	// Drop hijacks and closes the connection without answering.
	Drop Kind = "drop"
	// Truncate forwards to the emulator but cuts its body in half and closes
	// the connection, so the client sees a short read.
	Truncate Kind = "truncate"
	// Malformed answers 200 with a body that is not JSON.
	Malformed Kind = "malformed"
	// Latency only delays; the request then proceeds normally.
	Latency Kind = "latency"
)

// Fault is one injected failure.
type Fault struct {
	Method string `json:"method,omitempty"` // empty matches any method
	// Path is matched with path.Match, so "/api/v1/organizations/*/members"
	// works; a trailing "*" alone ("/api/v1/*") matches any suffix.
	Path       string        `json:"path"`
	Kind       Kind          `json:"kind"`
	Status     int           `json:"status,omitempty"`
	Body       string        `json:"body,omitempty"`
	RetryAfter int           `json:"retry_after,omitempty"` // seconds
	Delay      time.Duration `json:"delay,omitempty"`       // added before any kind
	// Times limits how often the fault fires; 0 means every time.
	Times int `json:"times,omitempty"`
}

// Injector holds the active faults. The zero value is not usable; use New.
type Injector struct {
	mu     sync.Mutex
	faults []*entry
	// ErrorBody renders an error body in the emulator's own envelope.
	errorBody func(status int, msg string) (contentType string, body []byte)
}

type entry struct {
	f    Fault
	left int // remaining occurrences; -1 for unlimited
}

// New returns an Injector whose Status faults render bodies with errorBody.
func New(errorBody func(status int, msg string) (string, []byte)) *Injector {
	if errorBody == nil {
		errorBody = func(status int, msg string) (string, []byte) {
			b, _ := json.Marshal(map[string]string{"error": msg})
			return "application/json", b
		}
	}
	return &Injector{errorBody: errorBody}
}

// Add activates a fault.
func (in *Injector) Add(f Fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	left := -1
	if f.Times > 0 {
		left = f.Times
	}
	in.faults = append(in.faults, &entry{f: f, left: left})
}

// Clear removes every fault.
func (in *Injector) Clear() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = nil
}

// List returns the active faults.
func (in *Injector) List() []Fault {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Fault, 0, len(in.faults))
	for _, e := range in.faults {
		out = append(out, e.f)
	}
	return out
}

func (in *Injector) take(r *http.Request) (Fault, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i, e := range in.faults {
		if e.f.Method != "" && !strings.EqualFold(e.f.Method, r.Method) {
			continue
		}
		if !matchPath(e.f.Path, r.URL.Path) {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				in.faults = append(in.faults[:i], in.faults[i+1:]...)
			}
		}
		return e.f, true
	}
	return Fault{}, false
}

func matchPath(pattern, p string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	if strings.HasSuffix(pattern, "/*") && !strings.ContainsAny(strings.TrimSuffix(pattern, "/*"), "*?[") {
		return strings.HasPrefix(p, strings.TrimSuffix(pattern, "*"))
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

// Wrap returns next with fault injection in front of it.
func (in *Injector) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := in.take(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		switch f.Kind {
		case Latency, "":
			next.ServeHTTP(w, r)
		case Status:
			status := f.Status
			if status == 0 {
				status = http.StatusInternalServerError
			}
			in.writeError(w, status, f.Body, "injected fault")
		case RateLimit:
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
			in.writeError(w, http.StatusTooManyRequests, f.Body, "too many requests")
		case Drop:
			hijackAndClose(w)
		case Malformed:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"this is": not json`))
		case Truncate:
			rec := &recorder{header: http.Header{}, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			writeTruncated(w, rec)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (in *Injector) writeError(w http.ResponseWriter, status int, body, msg string) {
	ct, b := "application/json", []byte(body)
	if body == "" {
		ct, b = in.errorBody(status, msg)
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func hijackAndClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // net/http drops the connection for this sentinel
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// writeTruncated announces the full Content-Length but sends only half of the
// body, then closes the connection: the client sees an unexpected EOF.
func writeTruncated(w http.ResponseWriter, rec *recorder) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	body := rec.body
	if len(body) < 2 {
		body = append(body, []byte(`{"truncated":true}`)...)
	}
	writeRawResponse(buf, rec.status, rec.header, len(body), body[:len(body)/2])
	_ = buf.Flush()
}

func writeRawResponse(buf *bufio.ReadWriter, status int, h http.Header, length int, body []byte) {
	_, _ = buf.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	h.Set("Content-Length", strconv.Itoa(length))
	h.Set("Connection", "close")
	_ = h.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(body)
}

type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }

// AdminHandler serves the faults over HTTP for the standalone sandbox:
// GET lists, POST adds one (a Fault as JSON), DELETE clears all. The caller
// mounts it on a loopback-only admin path.
func (in *Injector) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case http.MethodGet:
			_ = json.NewEncoder(w).Encode(map[string]any{"faults": in.List()})
		case http.MethodPost:
			var f Fault
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil || f.Path == "" {
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "body must be a fault: {\"method\",\"path\",\"kind\",\"status\",\"retry_after\",\"delay\",\"times\"}"})
				return
			}
			in.Add(f)
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(f)
		case http.MethodDelete:
			in.Clear()
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"cleared":true}`))
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
}
