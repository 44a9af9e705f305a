// Package toolkit is how a tool works: Define turns a Spec and a typed
// handler into a Tool whose arguments are decoded strictly and validated,
// whose schemas are generated from Go types, and whose errors tell the agent
// what to do next. A handler reaches the upstream services through Env and
// the safety machinery through Call: confirmation (sealed approvals), dry
// runs recorded at the HTTP transport, secrets withheld from the model and
// audit targets. Select picks the tools an operator allows. The package
// knows no particular tool; the tools live in package tools.
package toolkit

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// Tier is how much a tool can change. It decides whether the tool is
// registered at all (read-only by default) and its MCP annotations.
type Tier int

const (
	// Read tools never change anything upstream.
	Read Tier = iota
	// Write tools create or add; they never take access away or overwrite.
	Write
	// Destructive tools delete, revoke, remove or overwrite.
	Destructive
)

func (t Tier) String() string {
	switch t {
	case Read:
		return "read"
	case Write:
		return "write"
	case Destructive:
		return "destructive"
	}
	return fmt.Sprintf("tier(%d)", int(t))
}

// Plane is an upstream service a toolset needs credentials for.
type Plane string

const (
	PlaneCloud         Plane = "cloud"
	PlaneElasticsearch Plane = "elasticsearch"
	PlaneKibana        Plane = "kibana"
)

// Toolset groups tools by job and by the credentials they need. The operator
// picks toolsets by Name (--toolsets).
type Toolset struct {
	Name        string
	Description string
	// Planes says which credentials make the toolset usable. Any one of
	// them is enough: Elasticsearch toolsets also work with only a Cloud
	// key, by targeting a Serverless project (the `project` argument).
	// None means always available.
	Planes []Plane
}

func (ts Toolset) String() string { return ts.Name }

// The toolsets of the server.
var (
	ToolsetOrg = Toolset{Name: "org", Planes: []Plane{PlaneCloud},
		Description: "Elastic Cloud organization: members, invitations, role assignments, projects"}
	ToolsetCloudKeys = Toolset{Name: "cloud_keys", Planes: []Plane{PlaneCloud},
		Description: "Elastic Cloud API keys"}
	ToolsetRoles = Toolset{Name: "roles", Planes: []Plane{PlaneElasticsearch, PlaneCloud},
		Description: "Elasticsearch and Kibana roles"}
	ToolsetUsers = Toolset{Name: "users", Planes: []Plane{PlaneElasticsearch, PlaneCloud},
		Description: "Elasticsearch native users"}
	ToolsetRoleMappings = Toolset{Name: "role_mappings", Planes: []Plane{PlaneElasticsearch, PlaneCloud},
		Description: "Elasticsearch role mappings for SAML, OIDC, LDAP and PKI users"}
	ToolsetESKeys = Toolset{Name: "es_keys", Planes: []Plane{PlaneElasticsearch, PlaneCloud},
		Description: "Elasticsearch API keys"}
	// ToolsetDiagnostics is always available: it explains what is missing.
	ToolsetDiagnostics = Toolset{Name: "diagnostics",
		Description: "who the server acts as, what it may do, an access review, and offboarding across both planes"}
)

// Toolsets lists every toolset in the order they are documented.
var Toolsets = []Toolset{ToolsetOrg, ToolsetCloudKeys, ToolsetRoles, ToolsetUsers, ToolsetRoleMappings, ToolsetESKeys, ToolsetDiagnostics}

// ToolsetNames lists the names of Toolsets, in order.
func ToolsetNames() []string {
	names := make([]string, len(Toolsets))
	for i, ts := range Toolsets {
		names[i] = ts.Name
	}
	return names
}

// Spec is what a tool declares about itself.
type Spec struct {
	Name        string // snake_case verb_noun
	Title       string
	Description string // written for a model: when to use it, what it does not do, what to call first
	Toolset     Toolset
	Tier        Tier
	// Idempotent marks tools whose repeated calls with the same arguments
	// have no additional effect (read tools always are).
	Idempotent bool
}

// Tool is one registered tool: its MCP declaration and its handler.
type Tool struct {
	Spec
	// schema is generated on first use: reflecting 31 input and output types
	// costs about 20 ms, which a server that registers only some tools (the
	// read-only default, a single plane) should not pay before it can answer.
	schema *lazySchema
	run    func(ctx context.Context, c *Call, args map[string]any) (any, error)
}

type lazySchema struct {
	once    sync.Once
	name    string
	gen     func() (in, out json.RawMessage, keys []string)
	in, out json.RawMessage
	keys    []string // accepted argument names, for friendly errors
}

func (l *lazySchema) get() *lazySchema {
	l.once.Do(func() {
		if s, ok := precomputedSchemas[l.name]; ok {
			l.in, l.out, l.keys = json.RawMessage(s.In), json.RawMessage(s.Out), s.Keys
			return
		}
		l.in, l.out, l.keys = l.gen()
	})
	return l
}

// Schemas are a tool's published input and output schemas and the argument
// names it accepts, as reflecting its Go types gives them.
type Schemas struct {
	In, Out string
	Keys    []string
}

// precomputedSchemas is set once, by UsePrecomputedSchemas, before any
// tool's schema is read.
var precomputedSchemas map[string]Schemas

// UsePrecomputedSchemas makes tools take their schemas from m, by tool name,
// instead of reflecting their types when first asked (about half a
// millisecond a tool, most of a server's start-up). m must be what
// ReflectedSchemas gives for every tool: the binary that calls this tests
// that it is.
func UsePrecomputedSchemas(m map[string]Schemas) { precomputedSchemas = m }

// ReflectedSchemas generates the tool's schemas from its Go types, whatever
// UsePrecomputedSchemas was given.
func (t Tool) ReflectedSchemas() Schemas {
	in, out, keys := t.schema.gen()
	return Schemas{In: string(in), Out: string(out), Keys: keys}
}

// InputSchema is the tool's published input schema.
func (t Tool) InputSchema() json.RawMessage { return t.schema.get().in }

// OutputSchema is the tool's published output schema.
func (t Tool) OutputSchema() json.RawMessage { return t.schema.get().out }

// Handler is the shape of every tool's code. The Call gives access to the
// upstream clients and to the shared safety machinery.
type Handler[In, Out any] func(ctx context.Context, c *Call, in In) (Out, error)

// Define builds a Tool from a typed handler. In is decoded strictly from the
// arguments and validated (go-playground/validator tags plus the custom
// validators in validate.go) before the handler runs. Out is returned as
// structuredContent and as JSON text; its schema is published as outputSchema.
//
// Write and destructive tools get a `dry_run` argument, and tools that can ask
// for confirmation get `confirm` when the operator chose --confirm=param;
// both are handled here, not by the tool.
func Define[In, Out any](spec Spec, h Handler[In, Out]) Tool {
	schema := &lazySchema{name: spec.Name, gen: func() (json.RawMessage, json.RawMessage, []string) {
		in, keys := inputSchemaFor[In](spec.Tier)
		return in, outputSchemaFor[Out](), keys
	}}
	return Tool{
		Spec:   spec,
		schema: schema,
		run: func(ctx context.Context, c *Call, args map[string]any) (any, error) {
			var v In
			if err := decodeArgs(args, &v, schema.get().keys); err != nil {
				return nil, err
			}
			if err := validateArgs(&v); err != nil {
				return nil, err
			}
			out, err := h(ctx, c, v)
			if err != nil {
				return nil, err
			}
			if c.dryRun {
				if r, ok := any(&out).(dryRunReporter); ok {
					reqs := c.recorder.requests()
					if s, ok := any(&out).(PlanScrubber); ok {
						s.ScrubPlan(reqs)
					}
					r.setDryRun(reqs)
				}
			}
			return out, nil
		},
	}
}

// Annotations derives the four MCP hints from the tier. They are set
// explicitly on every tool: mcp-go's defaults advertise every tool as
// destructive and open-world, which makes clients refuse to auto-approve reads.
func (t Tool) Annotations() mcp.ToolAnnotation {
	readOnly := t.Tier == Read
	// The title is the tool's top-level title (every protocol version the
	// server speaks has it); repeating it here only costs the model context.
	return mcp.ToolAnnotation{
		ReadOnlyHint:    mcp.ToBoolPtr(readOnly),
		DestructiveHint: mcp.ToBoolPtr(t.Tier == Destructive),
		IdempotentHint:  mcp.ToBoolPtr(readOnly || t.Idempotent),
		// The user's own organization and clusters are a closed world.
		OpenWorldHint: mcp.ToBoolPtr(false),
	}
}

// MCP returns the protocol declaration of the tool.
func (t Tool) MCP() mcp.Tool {
	return mcp.Tool{
		Name:            t.Name,
		Title:           t.Title,
		Description:     t.Description,
		RawInputSchema:  t.InputSchema(),
		RawOutputSchema: t.OutputSchema(),
		Annotations:     t.Annotations(),
	}
}

// InputKeys lists the argument names the tool accepts.
func (t Tool) InputKeys() []string { return append([]string(nil), t.schema.get().keys...) }
