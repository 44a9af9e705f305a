package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// Over streamable HTTP a request's response travels on the POST that sent
// it, and the client cancels it with a notifications/cancelled on another
// POST of the same session. mcp-go cancels the call's context, but the call
// still answers; cancelWatch drops that answer, as the specification asks:
// the POST then ends with 202 Accepted and no body (or, on an event stream
// already open, without the response event).
type cancelWatch struct {
	mu        sync.Mutex
	cancelled map[string]bool // session + id of requests cancelled while in flight
	inflight  map[string]bool
}

func newCancelWatch() *cancelWatch {
	return &cancelWatch{cancelled: map[string]bool{}, inflight: map[string]bool{}}
}

type rpcEnvelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		RequestID json.RawMessage `json:"requestId"`
	} `json:"params"`
}

func cancelKey(session string, id json.RawMessage) string {
	return session + "\x00" + string(bytes.TrimSpace(id))
}

func (c *cancelWatch) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session := r.Header.Get(mcpserver.HeaderKeySessionID)
		if r.Method != http.MethodPost || session == "" || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			next.ServeHTTP(w, r) // the handler reports the broken body
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var env rpcEnvelope
		if json.Unmarshal(body, &env) != nil {
			next.ServeHTTP(w, r)
			return
		}
		switch {
		case env.Method == "notifications/cancelled" && len(env.Params.RequestID) > 0:
			key := cancelKey(session, env.Params.RequestID)
			c.mu.Lock()
			if c.inflight[key] {
				c.cancelled[key] = true
			}
			c.mu.Unlock()
			next.ServeHTTP(w, r)
		case env.Method != "" && len(env.ID) > 0 && string(env.ID) != "null":
			key := cancelKey(session, env.ID)
			c.mu.Lock()
			c.inflight[key] = true
			c.mu.Unlock()
			cw := &cancellableWriter{ResponseWriter: w, isCancelled: func() bool {
				c.mu.Lock()
				defer c.mu.Unlock()
				return c.cancelled[key]
			}}
			next.ServeHTTP(cw, r)
			cw.finish()
			c.mu.Lock()
			delete(c.inflight, key)
			delete(c.cancelled, key)
			c.mu.Unlock()
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// cancellableWriter holds the status back until the first body byte, so a
// response to a cancelled request can become 202 with no body instead.
type cancellableWriter struct {
	http.ResponseWriter
	isCancelled func() bool
	status      int
	wroteHeader bool
}

func (w *cancellableWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code >= 200 && code != http.StatusOK {
		// Errors and redirects go out as they are.
		w.wroteHeader = true
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
}

func (w *cancellableWriter) sendHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *cancellableWriter) Write(b []byte) (int, error) {
	if w.isCancelled() {
		if !w.wroteHeader {
			w.Header().Del("Content-Type")
			w.Header().Del("Content-Length")
			w.sendHeader(http.StatusAccepted)
		}
		return len(b), nil // the answer to a cancelled request is not sent
	}
	w.sendHeader(w.statusOr200())
	return w.ResponseWriter.Write(b)
}

// Flush sends what is held (an event stream starts with its headers).
func (w *cancellableWriter) Flush() {
	if !w.isCancelled() || w.wroteHeader {
		w.sendHeader(w.statusOr200())
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *cancellableWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *cancellableWriter) statusOr200() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// finish sends a held status when the handler wrote no body.
func (w *cancellableWriter) finish() {
	if !w.wroteHeader && w.status != 0 {
		w.sendHeader(w.status)
	}
}
