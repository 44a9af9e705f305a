package server

import (
	"context"
	"io"
	"log"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves the protocol on in/out until ctx ends or in closes.
// Nothing but protocol messages is written to out; logs go to the logger
// (stderr). Withheld secrets go to the file sink.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer, errLog io.Writer) error {
	std := mcpserver.NewStdioServer(s.MCP)
	std.SetErrorLogger(log.New(errLog, "", log.LstdFlags))
	return std.Listen(ctx, in, out)
}
