package toolkit

import (
	"context"
	"fmt"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// Notifier carries a call's progress and log messages to the client. The
// server implements it: progress only when the request carried a
// progressToken, log messages only at or above the level the client set,
// both redacted.
type Notifier interface {
	Progress(ctx context.Context, token mcp.ProgressToken, done, total int, message string)
	Log(ctx context.Context, level mcp.LoggingLevel, message string)
}

// Progress tells the client how far long work got (done of total; total 0
// when unknown). It is a no-op when the client did not ask for progress.
// Long loops call it once per upstream call and check ctx.Err() before the
// next one, so a cancelled request stops sending.
//
// Pages a listing read before the tool's first report count too (see
// pageRead): the tool's numbers are shifted past them, so that progress
// only ever increases, as the protocol requires.
func (c *Call) Progress(ctx context.Context, done, total int, message string) {
	if !c.wantsProgress() {
		return
	}
	c.progress.mu.Lock()
	c.progress.toolReports = true
	p, t := c.progress.offset+done, total
	if t > 0 {
		t += c.progress.offset
	}
	if p <= c.progress.last {
		c.progress.mu.Unlock()
		return
	}
	c.progress.last = p
	c.progress.mu.Unlock()
	c.notify.Progress(ctx, c.req.Params.Meta.ProgressToken, p, t, message)
}

// progressState keeps one call's progress increasing.
type progressState struct {
	mu          sync.Mutex
	offset      int  // pages reported before the tool's own reports
	last        int  // the last progress sent
	toolReports bool // the tool reports its own progress; pages no longer count
}

func (c *Call) wantsProgress() bool {
	return c.notify != nil && c.req.Params.Meta != nil && c.req.Params.Meta.ProgressToken != nil
}

// pageRead reports a page of a long listing, until the tool reports
// progress of its own.
func (c *Call) pageRead(ctx context.Context, op string, items int) {
	if !c.wantsProgress() {
		return
	}
	c.progress.mu.Lock()
	if c.progress.toolReports {
		c.progress.mu.Unlock()
		return
	}
	c.progress.offset++
	c.progress.last = c.progress.offset
	p := c.progress.offset
	c.progress.mu.Unlock()
	c.notify.Progress(ctx, c.req.Params.Meta.ProgressToken, p, 0, fmt.Sprintf("%s: %d read", op, items))
}

// Log sends a log message about this call to the client, at level
// ("debug", "info", "warning", "error"). Messages go through redaction.
func (c *Call) Log(ctx context.Context, level mcp.LoggingLevel, message string) {
	if c.notify != nil {
		c.notify.Log(ctx, level, message)
	}
}
