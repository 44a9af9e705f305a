package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"sync"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// drainTimeout bounds how long the server waits, once its input has ended,
// for calls still running to answer.
const drainTimeout = 60 * time.Second

// ServeStdio serves the protocol on in/out until ctx ends or in closes.
// Nothing but protocol messages is written to out; logs go to the logger
// (stderr). Withheld secrets go to the file sink.
//
// When in ends (a script that pipes its requests and closes the pipe), the
// server first answers every request it has read: mcp-go would otherwise
// cancel the calls still running, and the script would get "cancelled"
// instead of its results.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer, errLog io.Writer) error {
	std := mcpserver.NewStdioServer(s.MCP)
	std.SetErrorLogger(log.New(errLog, "", log.LstdFlags))
	p := &pending{}
	c := &cancelledIDs{}
	progress := &pending{}
	ctx = context.WithValue(ctx, progressQueueKey{}, progress)
	return std.Listen(ctx, &drainingReader{r: in, pending: p, cancelled: c}, &answerCounter{w: out, pending: p, cancelled: c, progress: progress})
}

// pending counts requests read and not yet answered.
type pending struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to 0; nil while n == 0
}

func (p *pending) add(d int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += d
	if p.n < 0 {
		p.n = 0
	}
	if p.n > 0 && p.zero == nil {
		p.zero = make(chan struct{})
	}
	if p.n == 0 && p.zero != nil {
		close(p.zero)
		p.zero = nil
	}
}

// wait returns when every request read has been answered, or after timeout.
func (p *pending) wait(timeout time.Duration) {
	p.mu.Lock()
	ch := p.zero
	p.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case <-ch:
	case <-time.After(timeout):
	}
}

// jsonRPCLine is enough of a message to tell requests from responses.
type jsonRPCLine struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		RequestID json.RawMessage `json:"requestId"`
	} `json:"params"`
}

// cancelledIDs are the ids of requests the client cancelled. The
// specification says a cancelled request gets no response: mcp-go cancels
// the call's context, and the answer the call still produces is dropped on
// its way out.
type cancelledIDs struct{ m sync.Map }

func (c *cancelledIDs) add(id json.RawMessage) { c.m.Store(string(bytes.TrimSpace(id)), true) }

// take reports whether id was cancelled, forgetting it.
func (c *cancelledIDs) take(id json.RawMessage) bool {
	_, ok := c.m.LoadAndDelete(string(bytes.TrimSpace(id)))
	return ok
}

// noteCancellations records the request ids named by notifications/cancelled.
func (c *cancelledIDs) noteCancellations(b []byte) {
	if !bytes.Contains(b, []byte("notifications/cancelled")) {
		return
	}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		var m jsonRPCLine
		if json.Unmarshal(bytes.TrimSpace(line), &m) == nil && m.Method == "notifications/cancelled" && len(m.Params.RequestID) > 0 {
			c.add(m.Params.RequestID)
		}
	}
}

func countLines(b []byte, isRequest bool) int {
	n := 0
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var m jsonRPCLine
		if json.Unmarshal(line, &m) != nil || len(m.ID) == 0 || string(m.ID) == "null" {
			continue
		}
		if isRequest == (m.Method != "") {
			n++
		}
	}
	return n
}

// drainingReader counts the requests it passes on and, at end of input,
// holds the EOF back until they are answered.
type drainingReader struct {
	r         io.Reader
	pending   *pending
	cancelled *cancelledIDs
	partial   []byte
}

func (d *drainingReader) Read(b []byte) (int, error) {
	n, err := d.r.Read(b)
	if n > 0 {
		// Only complete lines count: mcp-go drops a last line without a
		// newline, so no answer would come for it.
		d.partial = append(d.partial, b[:n]...)
		if i := bytes.LastIndexByte(d.partial, '\n'); i >= 0 {
			d.pending.add(countLines(d.partial[:i+1], true))
			d.cancelled.noteCancellations(d.partial[:i+1])
			d.partial = append(d.partial[:0], d.partial[i+1:]...)
		}
		if err == io.EOF {
			// Hand over these bytes first; the next Read sees EOF again.
			return n, nil
		}
	}
	if err == io.EOF {
		// mcp-go reads the next line only after dispatching the previous
		// one, so every request counted here is already being served.
		d.pending.wait(drainTimeout)
	}
	return n, err
}

// answerCounter passes the server's output through, counts responses and
// drops the responses to cancelled requests.
type answerCounter struct {
	w         io.Writer
	pending   *pending
	cancelled *cancelledIDs
	progress  *pending // progress notifications queued and not yet written
}

func (a *answerCounter) Write(b []byte) (int, error) {
	out := b
	dropped := 0
	if bytes.Contains(b, []byte(`"id"`)) {
		var kept [][]byte
		lines := bytes.SplitAfter(b, []byte{'\n'})
		for _, line := range lines {
			var m jsonRPCLine
			t := bytes.TrimSpace(line)
			if len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &m) == nil && m.Method == "" && len(m.ID) > 0 && a.cancelled.take(m.ID) {
				dropped++
				continue
			}
			kept = append(kept, line)
		}
		if dropped > 0 {
			out = bytes.Join(kept, nil)
		}
	}
	if len(out) > 0 {
		if _, err := a.w.Write(out); err != nil {
			return 0, err
		}
	}
	a.pending.add(-countLines(out, false) - dropped)
	if a.progress != nil {
		a.progress.add(-bytes.Count(out, []byte(`"method":"notifications/progress"`)))
	}
	return len(b), nil
}
