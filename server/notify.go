package server

import (
	"context"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/mark3labs/mcp-go/mcp"
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
	if err := n.s.MCP.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), params); err != nil {
		n.s.logger.Debug("progress notification not sent", "reason", err.Error())
	}
}

func (n notifier) Log(ctx context.Context, level mcp.LoggingLevel, message string) {
	msg, _ := redact.Default().Text(message)
	// The level filter (logging/setLevel, or the request's own level in the
	// 2026-07-28 protocol) is applied by mcp-go.
	if err := n.s.MCP.SendLogMessageToClient(ctx, mcp.NewLoggingMessageNotification(level, loggerName, msg)); err != nil {
		n.s.logger.Debug("log notification not sent", "reason", err.Error())
	}
}
