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
	return std.Listen(ctx, &drainingReader{r: in, pending: p}, &answerCounter{w: out, pending: p})
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
	r       io.Reader
	pending *pending
	partial []byte
}

func (d *drainingReader) Read(b []byte) (int, error) {
	n, err := d.r.Read(b)
	if n > 0 {
		// Only complete lines count: mcp-go drops a last line without a
		// newline, so no answer would come for it.
		d.partial = append(d.partial, b[:n]...)
		if i := bytes.LastIndexByte(d.partial, '\n'); i >= 0 {
			d.pending.add(countLines(d.partial[:i+1], true))
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

// answerCounter passes the server's output through and counts responses.
type answerCounter struct {
	w       io.Writer
	pending *pending
}

func (a *answerCounter) Write(b []byte) (int, error) {
	n, err := a.w.Write(b)
	a.pending.add(-countLines(b[:n], false))
	return n, err
}
