// Command elastic-access-mcp is an MCP server that lets AI agents manage
// access in Elastic safely: Elastic Cloud organization members, invitations,
// role assignments and API keys, and Elasticsearch/Kibana users, roles, role
// mappings and API keys.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// buildVersion is set at build time with -ldflags "-X main.buildVersion=…".
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const usage = `elastic-access-mcp: manage access in Elastic from an AI agent, safely.

Usage:
  elastic-access-mcp [stdio] [flags]          serve MCP over stdio (the default)
  elastic-access-mcp http [--listen ADDR] [flags]
                                              serve streamable HTTP on /mcp, SSE on /sse, /healthz
  elastic-access-mcp tools [--json] [flags]   list the tools this configuration exposes
  elastic-access-mcp call TOOL [--args JSON | --args-file F] [--yes] [flags]
                                              run one tool and print its result as JSON
  elastic-access-mcp sandbox [--listen ADDR] [--flavor stack|serverless] [--seed demo|none]
                                              serve the Elastic emulators on loopback
  elastic-access-mcp version

Run "elastic-access-mcp COMMAND -h" for a command's flags.
Credentials come from the environment or a .env file: EC_API_KEY, ELASTICSEARCH_URL,
ELASTICSEARCH_API_KEY (or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD), KIBANA_URL.
With --sandbox no credentials are needed.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes of the call command (and of usage errors everywhere).
const (
	exitOK        = 0
	exitToolError = 1
	exitUsage     = 2
)

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "stdio"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "stdio":
		return runStdio(ctx, args, stdin, stdout, stderr)
	case "http":
		return runHTTP(ctx, args, stderr)
	case "tools":
		return runTools(args, stdout, stderr)
	case "call":
		return runCall(ctx, args, stdin, stdout, stderr)
	case "sandbox":
		return runSandbox(ctx, args, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "elastic-access-mcp", version())
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags; -h is not an error.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// startServer builds the configuration and the server. A failure is a
// configuration mistake: it is explained on stderr and ok is false.
func startServer(c *commonFlags, stderr io.Writer, adjust ...func(*server.Config)) (s *server.Server, b *built, ok bool) {
	b, err := buildConfig(c, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return nil, nil, false
	}
	for _, f := range adjust {
		f(&b.cfg)
	}
	s, err = server.New(b.cfg)
	if err != nil {
		b.Close()
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return nil, nil, false
	}
	return s, b, true
}

// newCommand is a subcommand's flag set with the shared flags registered.
func newCommand(name string, stderr io.Writer) (*flag.FlagSet, *commonFlags) {
	fs := newFlagSet(name, stderr)
	c := &commonFlags{}
	c.register(fs)
	return fs, c
}

func runStdio(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, c := newCommand("stdio", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	s, b, ok := startServer(c, stderr)
	if !ok {
		return exitUsage
	}
	defer b.Close()
	if err := s.ServeStdio(ctx, stdin, stdout, stderr); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return exitToolError
	}
	return exitOK
}

func runHTTP(ctx context.Context, args []string, stderr io.Writer) int {
	fs, c := newCommand("http", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on; off loopback MCP_HTTP_TOKEN is required")
	linkTTL := fs.Duration("secret-link-ttl", 10*time.Minute, "how long a one-time link to a withheld secret stays valid")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	s, b, ok := startServer(c, stderr, func(cfg *server.Config) { cfg.SecretLinkTTL = *linkTTL })
	if !ok {
		return exitUsage
	}
	defer b.Close()
	b.cfg.HTTP.Listen = *listen
	h, err := s.ListenHTTPWith(b.cfg.HTTP)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return exitUsage
	}
	s.Logger().Info("serving MCP over HTTP", "mcp", h.BaseURL+"/mcp", "sse", h.BaseURL+"/sse", "health", h.BaseURL+"/healthz",
		"auth", b.cfg.HTTP.Token != "")
	if err := h.Serve(ctx); err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return exitToolError
	}
	return exitOK
}

func runTools(args []string, stdout, stderr io.Writer) int {
	fs, c := newCommand("tools", stderr)
	asJSON := fs.Bool("json", false, "print the tools/list answer as JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	s, b, ok := startServer(c, stderr)
	if !ok {
		return exitUsage
	}
	defer b.Close()
	if *asJSON {
		if err := s.ToolsJSON(stdout); err != nil {
			fmt.Fprintln(stderr, "elastic-access-mcp:", err)
			return exitToolError
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOOL\tTOOLSET\tTIER\tTITLE")
	for _, t := range s.Tools {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Toolset, t.Tier, t.Title)
	}
	_ = tw.Flush()
	fmt.Fprintf(stdout, "\nsafety tier: %s\n", s.Report.Tier)
	var inactive []string
	for ts, why := range s.Report.Inactive {
		inactive = append(inactive, fmt.Sprintf("  %s: %s", ts, why))
	}
	sort.Strings(inactive)
	if len(inactive) > 0 {
		fmt.Fprintf(stdout, "inactive toolsets:\n%s\n", strings.Join(inactive, "\n"))
	}
	return exitOK
}

func runCall(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: elastic-access-mcp call TOOL [--args JSON | --args-file F] [--yes] [flags]")
		return exitUsage
	}
	name, args := args[0], args[1:]
	fs, c := newCommand("call", stderr)
	argsJSON := fs.String("args", "", "the tool's arguments as a JSON object")
	argsFile := fs.String("args-file", "", "read the arguments from this JSON file (- for standard input)")
	yes := fs.Bool("yes", false, "approve a confirmation without asking (required when there is no terminal)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	arguments, err := readArgs(*argsJSON, *argsFile, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp call:", err)
		return exitUsage
	}
	s, b, ok := startServer(c, stderr)
	if !ok {
		return exitUsage
	}
	defer b.Close()
	if !s.HasTool(name) {
		fmt.Fprintf(stderr, "elastic-access-mcp call: tool %q is not available in this configuration (see \"elastic-access-mcp tools\"; write tools need --allow-writes, destructive ones --allow-destructive)\n", name)
		return exitUsage
	}
	var opts []client.ClientOption
	if h := terminalConfirmer(*yes, stdin, stderr); h != nil {
		opts = append(opts, client.WithElicitationHandler(h))
	}
	cl, err := client.NewInProcessClientWithOptions(s.MCP, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp call:", err)
		return exitToolError
	}
	defer cl.Close()
	if err := cl.Start(ctx); err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp call:", err)
		return exitToolError
	}
	var ir mcp.InitializeRequest
	ir.Params.ClientInfo = mcp.Implementation{Name: "elastic-access-mcp-call", Version: version()}
	if len(opts) > 0 {
		ir.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	}
	if _, err := cl.Initialize(ctx, ir); err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp call:", err)
		return exitToolError
	}
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = arguments
	res, err := cl.CallTool(ctx, req)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp call:", err)
		return exitToolError
	}
	if res.IsError {
		for _, ct := range res.Content {
			if tc, ok := ct.(mcp.TextContent); ok {
				fmt.Fprintln(stderr, tc.Text)
			}
		}
		if len(opts) == 0 && strings.Contains(textOf(res), "cannot show a confirmation prompt") {
			fmt.Fprintln(stderr, "(no terminal to ask on: re-run with --yes to approve)")
		}
		return exitToolError
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if res.StructuredContent != nil {
		_ = enc.Encode(res.StructuredContent)
	} else {
		fmt.Fprintln(stdout, textOf(res))
	}
	return exitOK
}

func textOf(res *mcp.CallToolResult) string {
	var parts []string
	for _, ct := range res.Content {
		if tc, ok := ct.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func readArgs(inline, file string, stdin io.Reader) (map[string]any, error) {
	if inline != "" && file != "" {
		return nil, errors.New("give --args or --args-file, not both")
	}
	var raw []byte
	switch {
	case inline != "":
		raw = []byte(inline)
	case file == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, err
		}
		raw = b
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		raw = b
	default:
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("arguments must be a JSON object: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// terminalConfirmer answers confirmation prompts: with --yes it approves;
// on a terminal it asks; otherwise there is nobody to ask, and the client
// declares no elicitation capability, so the server refuses the change.
func terminalConfirmer(yes bool, stdin io.Reader, stderr io.Writer) client.ElicitationHandler {
	if yes {
		return confirmFunc(func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
				Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
		})
	}
	f, ok := stdin.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	reader := bufio.NewReader(f)
	return confirmFunc(func(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
		fmt.Fprintf(stderr, "\n%s\nApprove? [y/N] ", req.Params.Message)
		line, _ := reader.ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a == "y" || a == "yes" {
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
				Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
		}
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
	})
}

type confirmFunc func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error)

func (f confirmFunc) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return f(ctx, req)
}

func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sandbox", stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address of the Cloud API emulator (loopback only); Elasticsearch and Kibana take free ports on the same host")
	flavor := fs.String("flavor", "stack", "Elasticsearch flavour: stack (self-managed/ECH) or serverless")
	seed := fs.String("seed", "demo", "demo (demo organization, users, roles, keys) or none (only the operator)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	sb, err := sandbox.Start(sandbox.Options{Flavor: *flavor, Listen: *listen, Seed: *seed})
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp sandbox:", err)
		return exitUsage
	}
	defer sb.Close()
	for _, kv := range sb.Vars() {
		fmt.Fprintf(stdout, "%s=%s\n", kv[0], kv[1])
	}
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}
	fmt.Fprintln(stderr, "sandbox ready: these are demo credentials for the emulators only. Faults: POST a fault to <url>/_sandbox/faults; POST <url>/_sandbox/reset restores the start state. Ctrl-C to stop.")
	<-ctx.Done()
	return exitOK
}
