package toolkit

import (
	"context"

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
func (c *Call) Progress(ctx context.Context, done, total int, message string) {
	if c.notify == nil || c.req.Params.Meta == nil || c.req.Params.Meta.ProgressToken == nil {
		return
	}
	c.notify.Progress(ctx, c.req.Params.Meta.ProgressToken, done, total, message)
}

// Log sends a log message about this call to the client, at level
// ("debug", "info", "warning", "error"). Messages go through redaction.
func (c *Call) Log(ctx context.Context, level mcp.LoggingLevel, message string) {
	if c.notify != nil {
		c.notify.Log(ctx, level, message)
	}
}
