package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// callSession runs one tool through the server's MCP handling in this
// process, as a client session would (initialize, then tools/call), with
// the middleware, redaction and audit of every other call. It passes Go
// values instead of going through mcp-go's client: that client's
// JSON-RPC round trips (encode, decode, re-encode, decode) and its protocol
// discovery were a twentieth of a whole `call` process.
type callSession struct {
	srv  *mcpserver.MCPServer
	sess *mcpserver.InProcessSession
	ctx  context.Context
	done chan struct{}
}

// startCallSession registers an in-process session and initializes it,
// declaring the elicitation capability when elicit is not nil (the server
// then asks it to confirm changes).
func startCallSession(ctx context.Context, srv *mcpserver.MCPServer, elicit mcpserver.ElicitationHandler) (*callSession, error) {
	sess := mcpserver.NewInProcessSessionWithHandlers(srv.GenerateInProcessSessionID(), nil, elicit, nil)
	if err := srv.RegisterSession(ctx, sess); err != nil {
		return nil, err
	}
	cs := &callSession{srv: srv, sess: sess, ctx: srv.WithContext(ctx, sess), done: make(chan struct{})}
	// Log and progress notifications are for an MCP client's user; here
	// the audit line on stderr says what happened. Drained so the server
	// never waits on them.
	go func() {
		for {
			select {
			case <-cs.done:
				return
			case <-sess.ClientNotifications():
			}
		}
	}()
	// Plain maps: encoding mcp-go's parameter structs builds their
	// encoders, which costs more than the message.
	caps := map[string]any{}
	if elicit != nil {
		caps["elicitation"] = map[string]any{}
	}
	params := map[string]any{
		"protocolVersion": mcp.LATEST_LEGACY_PROTOCOL_VERSION,
		"capabilities":    caps,
		"clientInfo":      map[string]any{"name": "elastic-access-mcp-call", "version": version()},
	}
	if _, err := cs.request(1, "initialize", params); err != nil {
		cs.Close()
		return nil, err
	}
	cs.srv.HandleMessage(cs.ctx, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	return cs, nil
}

// callTool calls the tool and returns its result as the server made it.
func (cs *callSession) callTool(name string, arguments map[string]any) (*mcp.CallToolResult, error) {
	res, err := cs.request(2, "tools/call", map[string]any{"name": name, "arguments": arguments})
	if err != nil {
		return nil, err
	}
	switch r := res.(type) {
	case *mcp.CallToolResult:
		return r, nil
	case mcp.CallToolResult:
		return &r, nil
	}
	return nil, fmt.Errorf("unexpected tools/call result %T", res)
}

func (cs *callSession) request(id int, method string, params any) (any, error) {
	msg, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	switch r := cs.srv.HandleMessage(cs.ctx, msg).(type) {
	case mcp.JSONRPCResponse:
		return r.Result, nil
	case *mcp.JSONRPCResponse:
		return r.Result, nil
	case mcp.JSONRPCError:
		return nil, errors.New(r.Error.Message)
	case *mcp.JSONRPCError:
		return nil, errors.New(r.Error.Message)
	case nil:
		return nil, fmt.Errorf("%s: no answer", method)
	default:
		return nil, fmt.Errorf("%s: unexpected answer %T", method, r)
	}
}

// Close ends the session.
func (cs *callSession) Close() {
	close(cs.done)
	cs.srv.UnregisterSession(cs.ctx, cs.sess.SessionID())
}
