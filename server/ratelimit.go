package server

import (
	"context"
	"fmt"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/caller"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// rateWindow is the fixed window of the per-caller call limit.
const rateWindow = time.Minute

// rateLimitMiddleware refuses calls beyond Config.RateLimit per caller and minute. The counters live in the
// state store, so the limit holds across replicas; a store that does not answer refuses the call (a limit that
// cannot be counted is not enforced by guessing).
func (s *Server) rateLimitMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	if s.cfg.RateLimit <= 0 {
		return next
	}
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		who := caller.From(ctx)
		if who == "" {
			who = "operator" // every caller shares the server's own credentials, and so one budget
		}
		n, resetIn, err := s.state.Incr(ctx, "calls:"+who, rateWindow)
		if err != nil {
			return errorResult(err), nil
		}
		if n > int64(s.cfg.RateLimit) {
			return errorResult(toolkit.Refused(fmt.Sprintf("wait %s, then call again", resetIn.Round(time.Second)),
				"Nothing was done: this caller made more than %d calls in a minute, the operator's limit.", s.cfg.RateLimit)), nil
		}
		return next(ctx, req)
	}
}
