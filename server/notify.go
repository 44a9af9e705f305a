package server

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// loggerName names the server in log notifications.
const loggerName = "elastic-access-mcp"

// notifier sends a call's progress and log messages to the client that made
// it. Everything it sends is redacted first: a message may quote an
// upstream answer. A client that cannot take a notification (no session,
// a full channel) loses it; the call itself goes on.
type notifier struct{ s *Server }

func (n notifier) Progress(ctx context.Context, token mcp.ProgressToken, done, total int, message string) {
	msg, _ := redact.Default().Text(message)
	params := map[string]any{"progressToken": token, "progress": done}
	if total > 0 {
		params["total"] = total
	}
	if msg != "" {
		params["message"] = msg
	}
	queue, _ := ctx.Value(progressQueueKey{}).(*pending)
	if queue != nil {
		queue.add(1)
	}
	if sent, _ := ctx.Value(progressSentKey{}).(*atomic.Int32); sent != nil {
		sent.Add(1)
	}
	if err := n.s.MCP.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), params); err != nil {
		if queue != nil {
			queue.add(-1)
		}
		n.s.logger.Debug("progress notification not sent", "reason", err.Error())
	}
}

// progressQueueKey marks a transport (stdio) that writes notifications on
// another goroutine than responses: its calls wait for their progress
// notifications to be written before answering, because a client drops
// progress that arrives after the response.
type progressQueueKey struct{}

// progressSentKey counts the progress notifications of one call.
type progressSentKey struct{}

// progressGap separates a call's last progress notification from its
// response. The TypeScript SDK runs notification handlers a microtask later
// than it settles a response read in the same chunk, and forgets a
// request's progress handler once it has its response: progress written
// right before the response would be lost.
const progressGap = 10 * time.Millisecond

// withProgressCount returns ctx counting the call's progress notifications.
func withProgressCount(ctx context.Context) (context.Context, *atomic.Int32) {
	n := &atomic.Int32{}
	return context.WithValue(ctx, progressSentKey{}, n), n
}

// progressWritten, for a call that sent progress, waits until the progress
// notifications queued on ctx's transport have been written, then leaves
// the client the gap it needs before the response.
func progressWritten(ctx context.Context, sent *atomic.Int32) {
	if sent.Load() == 0 {
		return
	}
	if queue, _ := ctx.Value(progressQueueKey{}).(*pending); queue != nil {
		queue.wait(2 * time.Second)
	}
	time.Sleep(progressGap)
}

func (n notifier) Log(ctx context.Context, level mcp.LoggingLevel, message string) {
	msg, _ := redact.Default().Text(message)
	// The level filter (logging/setLevel, or the request's own level in the
	// 2026-07-28 protocol) is applied by mcp-go.
	err := n.s.MCP.SendLogMessageToClient(ctx, mcp.NewLoggingMessageNotification(level, loggerName, msg))
	// A session that cannot take log messages is normal (no logging
	// support, not initialized yet): not worth a line per call.
	if err != nil && !errors.Is(err, mcpserver.ErrSessionDoesNotSupportLogging) && !errors.Is(err, mcpserver.ErrNotificationNotInitialized) {
		n.s.logger.Debug("log notification not sent", "reason", err.Error())
	}
}
