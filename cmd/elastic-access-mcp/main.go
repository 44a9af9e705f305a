// Command elastic-access-mcp is an MCP server that lets AI agents manage
// access in Elastic safely: Elastic Cloud organization members, invitations,
// role assignments and API keys, and Elasticsearch/Kibana users, roles, role
// mappings and API keys.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cmd/elastic-access-mcp/internal/early"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
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
  elastic-access-mcp COMMAND [flags]

Commands:
  stdio     serve MCP over standard input and output, for an MCP client that starts
            this program (the default command)
  http      serve MCP over streamable HTTP on /mcp and SSE on /sse, for clients that connect
  tools     list the tools this configuration exposes
  call      run one tool and print its result as JSON, without an MCP client
  sandbox   serve the Elastic emulators on loopback, for curl and scripts
  version   print the version
  help      print this help

Try it without credentials (built-in emulators of Elastic Cloud, Elasticsearch and Kibana):
  elastic-access-mcp call list_org_members --sandbox
  elastic-access-mcp tools --sandbox --allow-writes

Run "elastic-access-mcp COMMAND --help" for a command's flags.
Credentials come from the environment or a .env file: EC_API_KEY, ELASTICSEARCH_URL,
ELASTICSEARCH_API_KEY (or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD), KIBANA_URL.
With --sandbox no credentials are needed.
`

// commandHelp is what "COMMAND --help" prints above the flags.
var commandHelp = map[string]string{
	"stdio": `Usage: elastic-access-mcp [stdio] [flags]

Serves MCP over standard input and output. An MCP client (Claude Desktop, Claude Code,
VS Code, Cursor...) starts this command and talks to it; run by hand, it waits for
JSON-RPC on standard input. To try a tool by hand, use "call" instead.
Read-only unless --allow-writes or --allow-destructive is given.`,
	"http": `Usage: elastic-access-mcp http [--listen ADDR] [flags]

Serves MCP over streamable HTTP (/mcp) and SSE (/sse, /message), with /healthz and
one-time secret links (/secrets/ID). Off loopback, or behind a proxy (MCP_PUBLIC_URL),
MCP_HTTP_TOKEN (at least 32 characters) is required; clients send
"Authorization: Bearer <token>". In a container: --listen 0.0.0.0:8080.
For a team: --credentials passthrough (each caller sends their own Elastic credentials),
--state-store redis://HOST:PORT/DB with MCP_STATE_KEY to run several replicas, /metrics
behind the token (and on --metrics-listen). See the README, "Run it for a team".`,
	"tools": `Usage: elastic-access-mcp tools [--json] [flags]

Lists the tools this configuration exposes, and why toolsets are left out.`,
	"call": `Usage: elastic-access-mcp call TOOL [--args JSON | --args-file FILE] [--yes] [flags]

Runs one tool, as an MCP client would, and prints its structured result as JSON.
Flags may come before or after TOOL. Exit status: 0 success, 1 the tool reported an
error, 2 a usage or configuration error. A change that needs approval is asked on the
terminal; without one (scripts, CI, </dev/null) add --yes to approve it up front.

Example:
  elastic-access-mcp call get_roles --sandbox --args '{"names":["viewer"]}'`,
	"sandbox": `Usage: elastic-access-mcp sandbox [--listen ADDR] [--flavor stack|serverless] [--seed demo|none]

Serves the emulators of Elastic Cloud, Elasticsearch and Kibana on loopback and prints
their addresses and credentials as NAME=value lines. --seed none starts with no demo
users, roles, mappings, keys, members or invitations. POST /_sandbox/reset (loopback
only) returns every emulator to its start state. Ctrl-C stops them.`,
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "call" && os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		// One call, then the process ends: collecting garbage it will
		// never reuse was about a tenth of a call's CPU. (Set here, not in
		// runCall, which the tests run in-process.) An operator's GOGC or
		// GOMEMLIMIT wins.
		debug.SetGCPercent(-1)
	}
	// The tools' schemas were generated with the binary (schemas_gen.go):
	// reflecting the types again was most of a server's start-up.
	toolkit.UsePrecomputedSchemas(toolSchemas)
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
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			cmd, args = "help", args[1:]
		case a == "-version" || a == "--version":
			cmd, args = "version", args[1:]
		case !strings.HasPrefix(a, "-"):
			cmd, args = a, args[1:]
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "stdio":
		return runStdio(ctx, args, stdin, stdout, stderr)
	case "http":
		return runHTTP(ctx, args, stdout, stderr)
	case "tools":
		return runTools(args, stdout, stderr)
	case "call":
		return runCall(ctx, args, stdin, stdout, stderr)
	case "sandbox":
		return runSandbox(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "elastic-access-mcp", version())
		return exitOK
	case "help":
		if len(args) > 0 && commandHelp[args[0]] != "" { // help COMMAND
			return run([]string{args[0], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// flagSet is a subcommand's flags. Its messages are collected, so that help
// asked for goes to stdout and a mistake goes to stderr.
type flagSet struct {
	*flag.FlagSet
	name           string
	out            bytes.Buffer
	stdout, stderr io.Writer
}

func newFlagSet(name string, stdout, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), name: name, stdout: stdout, stderr: stderr}
	fs.SetOutput(&fs.out)
	fs.Usage = func() {
		fmt.Fprintf(&fs.out, "%s\n\nFlags:\n", commandHelp[name])
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags. --help prints the command's usage to stdout and exits
// 0; a mistake prints the error and the usage to stderr and exits 2.
func parse(fs *flagSet, args []string) (int, bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		_, _ = fs.out.WriteTo(fs.stdout)
		return exitOK, false
	default:
		_, _ = fs.out.WriteTo(fs.stderr)
		return exitUsage, false
	}
}

// usageError reports a command-line mistake with the command's usage line.
func usageError(fs *flagSet, format string, a ...any) int {
	line, _, _ := strings.Cut(commandHelp[fs.name], "\n")
	fmt.Fprintf(fs.stderr, "elastic-access-mcp %s: %s\n%s\nRun \"elastic-access-mcp %s --help\" for the flags.\n",
		fs.name, fmt.Sprintf(format, a...), line, fs.name)
	return exitUsage
}

// checkEnvFile refuses an --env-file that was asked for and is not there:
// silently running without the settings it holds would be a surprise. The
// default .env is optional.
func checkEnvFile(fs *flagSet, c *commonFlags) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "env-file" })
	if !given || c.envFile == "" {
		return true
	}
	if _, err := os.Stat(c.envFile); err != nil {
		usageError(fs, "--env-file %s: %v", c.envFile, errors.Unwrap(err))
		return false
	}
	return true
}

// startServer builds the configuration and the server. A failure is a
// configuration mistake: it is explained on stderr and ok is false.
func startServer(c *commonFlags, stderr io.Writer, adjust ...func(*built) error) (s *server.Server, b *built, ok bool) {
	b, err := buildConfig(c, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return nil, nil, false
	}
	for _, f := range adjust {
		if err := f(b); err != nil {
			b.Close()
			fmt.Fprintln(stderr, "elastic-access-mcp:", err)
			return nil, nil, false
		}
	}
	if b.cfg.Confirm == toolkit.ConfirmNone && c.allowDestructive {
		b.cfg.Logger.Warn("DANGER: --confirm none with --allow-destructive: deletions, revocations and privilege escalations run WITHOUT asking anyone; the agent alone decides. Use --confirm elicit (or param) unless a person reviews every call some other way")
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
func newCommand(name string, stdout, stderr io.Writer) (*flagSet, *commonFlags) {
	fs := newFlagSet(name, stdout, stderr)
	c := &commonFlags{}
	c.register(fs.FlagSet)
	return fs, c
}

// parseCommand parses a command's flags and checks what the flag package
// cannot: no stray arguments, and an --env-file that exists.
func parseCommand(fs *flagSet, c *commonFlags, args []string) (int, bool) {
	if code, ok := parse(fs, args); !ok {
		return code, false
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected argument %q", fs.Arg(0)), false
	}
	if !checkEnvFile(fs, c) {
		return exitUsage, false
	}
	return 0, true
}

func runStdio(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, c := newCommand("stdio", stdout, stderr)
	if code, ok := parseCommand(fs, c, args); !ok {
		return code
	}
	s, b, ok := startServer(c, stderr)
	if !ok {
		return exitUsage
	}
	defer b.Close()
	early.StartupDone()
	if isTerminal(stdin) {
		// Someone ran the server by hand: without this it would sit silent.
		fmt.Fprintln(stderr, "elastic-access-mcp: serving MCP over stdio, waiting for an MCP client's JSON-RPC on standard input.\n"+
			"  This command is meant to be started by an MCP client (see README: Connecting a client).\n"+
			"  To try a tool by hand: elastic-access-mcp call whoami --sandbox. Help: elastic-access-mcp --help. Ctrl-C to stop.")
	}
	if err := s.ServeStdio(ctx, stdin, stdout, stderr); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return exitToolError
	}
	return exitOK
}

func runHTTP(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c, team := newHTTPCommand(stdout, stderr)
	listen, linkTTL := &team.listen, &team.linkTTL
	if code, ok := parseCommand(fs, c, args); !ok {
		return code
	}
	s, b, ok := startServer(c, stderr, func(b *built) error {
		b.cfg.SecretLinkTTL = *linkTTL
		return team.apply(ctx, &b.cfg, b)
	})
	if !ok {
		return exitUsage
	}
	defer b.Close()
	early.StartupDone()
	b.cfg.HTTP.Listen = *listen
	h, err := s.ListenHTTPWith(b.cfg.HTTP)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return exitUsage
	}
	if host, _, _ := net.SplitHostPort(*listen); b.cfg.HTTP.PublicURL == "" && (host == "" || host == "0.0.0.0" || host == "::") {
		s.Logger().Warn("secret links will name " + h.BaseURL + ", which only works on this machine (or through a published container port); set MCP_PUBLIC_URL to the address people reach this server at")
	}
	// A new secret link's code goes to the operator's console, never to the
	// model: whoever runs the server can hand it to the person.
	h.Links().OnNewLink(func(n redact.NewLink) {
		fmt.Fprintf(stderr, "elastic-access-mcp: one-time link to the %s: %s (code %s; works once, until %s)\n",
			n.Label, n.PersonURL, n.Code, n.ExpiresAt.UTC().Format(time.RFC3339))
	})
	s.Logger().Info("serving MCP over HTTP", "mcp", h.BaseURL+"/mcp", "sse", h.BaseURL+"/sse", "health", h.BaseURL+"/healthz",
		"auth", b.cfg.HTTP.Token != "", "metrics", h.MetricsAddr())
	if err := h.Serve(ctx); err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp:", err)
		return exitToolError
	}
	return exitOK
}

func runTools(args []string, stdout, stderr io.Writer) int {
	fs, c := newCommand("tools", stdout, stderr)
	asJSON := fs.Bool("json", false, "print the tools/list answer as JSON")
	if code, ok := parseCommand(fs, c, args); !ok {
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
	fs, c := newCommand("call", stdout, stderr)
	argsJSON := fs.String("args", "", "the tool's arguments as a JSON object")
	argsFile := fs.String("args-file", "", "read the arguments from this JSON file (- for standard input)")
	yes := fs.Bool("yes", false, "approve a confirmation without asking (required when there is no terminal)")
	// Flags may come before and after the tool name: parse up to the name,
	// then the rest.
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		return usageError(fs, "which tool? (\"elastic-access-mcp tools --sandbox\" lists them)")
	}
	name := fs.Arg(0)
	if code, ok := parseCommand(fs, c, fs.Args()[1:]); !ok {
		return code
	}
	arguments, err := readArgs(*argsJSON, *argsFile, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp call:", err)
		return exitUsage
	}
	s, b, ok := startServer(c, stderr, func(b *built) error { b.cfg.Only = name; return nil })
	if !ok {
		return exitUsage
	}
	defer b.Close()
	if !s.HasTool(name) {
		fmt.Fprintf(stderr, "elastic-access-mcp call: %s\n", whyUnavailable(name, s.Report))
		return exitUsage
	}
	elicit := terminalConfirmer(*yes, stdin, stderr)
	cs, err := startCallSession(ctx, s.MCP, elicit)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp call:", err)
		return exitToolError
	}
	defer cs.Close()
	res, err := cs.callTool(name, arguments)
	if err != nil {
		fmt.Fprintln(stderr, "elastic-access-mcp call:", err)
		return exitToolError
	}
	if res.IsError {
		text := textOf(res)
		if elicit == nil && strings.Contains(text, "cannot show a confirmation prompt") {
			// The server's advice is for MCP clients; here the person is
			// at this command, which has no terminal to ask on.
			text, _, _ = strings.Cut(text, " Next: ")
			fmt.Fprintln(stderr, text)
			fmt.Fprintln(stderr, "There is no terminal to ask on: re-run with --yes to approve this change.")
			return exitToolError
		}
		fmt.Fprintln(stderr, text)
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
func terminalConfirmer(yes bool, stdin io.Reader, stderr io.Writer) mcpserver.ElicitationHandler {
	if yes {
		return confirmFunc(func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
				Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
		})
	}
	// /dev/null is a character device but no terminal: nobody would answer.
	if !isTerminal(stdin) {
		return nil
	}
	reader := bufio.NewReader(stdin)
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
	fs := newFlagSet("sandbox", stdout, stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address of the Cloud API emulator (loopback only); Elasticsearch and Kibana take free ports on the same host")
	flavor := fs.String("flavor", "stack", "Elasticsearch flavour: stack (self-managed/ECH) or serverless")
	seed := fs.String("seed", "demo", "demo (demo organization, users, roles, keys) or none (only the operator)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected argument %q", fs.Arg(0))
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
