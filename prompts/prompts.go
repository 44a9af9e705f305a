// Package prompts serves MCP prompts for the access jobs of Elastic's agent
// skills. Each prompt takes typed arguments and returns a text that names the
// steps and the tools to call, in order, with the safety rules of the job.
package prompts

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/completion"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/source"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Upcoming are tools that prompts mention in optional steps before every
// build serves them. A step naming one is shown only when the server has it.
var Upcoming = []string{"explain_access"}

// Arg is one prompt argument.
type Arg struct {
	Name        string
	Description string
	Required    bool
	// Choices is the closed set of accepted values, if there is one.
	Choices []string
	// Kind is the vocabulary completions draw from.
	Kind source.Kind
	// Suggestions are completed besides Kind's names but not enforced.
	Suggestions []string
	// ByProjectType narrows Suggestions to the type of the project argument
	// once it is given.
	ByProjectType map[string][]string
}

// Step is one numbered step of a prompt's text. {arg} placeholders are
// replaced by argument values.
type Step struct {
	// Tool is the tool the step calls ("" for a step without a tool).
	Tool string
	// Optional steps are shown only when the server offers Tool.
	Optional bool
	Text     string
	// When, if set, decides from the arguments whether the step applies.
	When func(args map[string]string) bool
	// Unless names a tool that does this step's work by itself: when the
	// server offers it, the step is left out.
	Unless string
}

// Prompt is one job.
type Prompt struct {
	Name, Title, Description string
	Args                     []Arg
	// Goal opens the text; {arg} placeholders are replaced.
	Goal  string
	Steps []Step
	// Rules are the safety rules of the job, listed after the steps.
	Rules []string
	// Check validates argument combinations beyond presence and choices.
	Check func(args map[string]string) error
	// NeedsAny, when set, offers the prompt only if the server has at least
	// one of these tools (for jobs made of optional steps).
	NeedsAny []string
}

// Tools lists every tool the prompt names, in step order, without repeats.
func (p Prompt) Tools() []string {
	var out []string
	for _, s := range p.Steps {
		if s.Tool != "" && !slices.Contains(out, s.Tool) {
			out = append(out, s.Tool)
		}
	}
	return out
}

// RequiredTools lists the tools of the non-optional steps: a server without
// one of them cannot do the job, so the prompt is not offered.
func (p Prompt) RequiredTools() []string {
	var out []string
	for _, s := range p.Steps {
		if s.Tool != "" && !s.Optional && !slices.Contains(out, s.Tool) {
			out = append(out, s.Tool)
		}
	}
	return out
}

// Options shape which prompts a server offers.
type Options struct {
	// HasTool reports whether the server offers a tool; nil means every tool.
	// Prompts whose required tools are missing (a read-only server has no
	// write tools) are not offered, and optional steps whose tool is missing
	// are left out of the text.
	HasTool func(name string) bool
}

func (o Options) has(tool string) bool { return o.HasTool == nil || o.HasTool(tool) }

// Offered is the prompts a server with opts offers.
func Offered(opts Options) []Prompt {
	var out []Prompt
	for _, p := range All() {
		ok := true
		for _, t := range p.RequiredTools() {
			ok = ok && opts.has(t)
		}
		if len(p.NeedsAny) > 0 {
			ok = ok && slices.ContainsFunc(p.NeedsAny, opts.has)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// Register adds the offered prompts to s.
func Register(s *server.MCPServer, opts Options) {
	for _, p := range Offered(opts) {
		s.AddPrompt(p.MCP(), p.handler(opts))
	}
}

// Vocabularies are the completion vocabularies of every prompt's arguments.
func Vocabularies() map[string]map[string]completion.Vocabulary {
	out := map[string]map[string]completion.Vocabulary{}
	for _, p := range All() {
		args := map[string]completion.Vocabulary{}
		for _, a := range p.Args {
			if a.Kind != "" || len(a.Choices) > 0 || len(a.Suggestions) > 0 {
				args[a.Name] = completion.Vocabulary{Kind: a.Kind, Choices: a.Choices, Suggestions: a.Suggestions, ByProjectType: a.ByProjectType}
			}
		}
		out[p.Name] = args
	}
	return out
}

// MCP is the prompt's protocol declaration.
func (p Prompt) MCP() mcp.Prompt {
	opts := []mcp.PromptOption{mcp.WithPromptTitle(p.Title), mcp.WithPromptDescription(p.Description)}
	for _, a := range p.Args {
		desc := a.Description
		if len(a.Choices) > 0 {
			desc += " One of: " + strings.Join(a.Choices, ", ") + "."
		}
		aopts := []mcp.ArgumentOption{mcp.ArgumentDescription(desc)}
		if a.Required {
			aopts = append(aopts, mcp.RequiredArgument())
		}
		opts = append(opts, mcp.WithArgument(a.Name, aopts...))
	}
	return mcp.NewPrompt(p.Name, opts...)
}

func (p Prompt) handler(opts Options) server.PromptHandlerFunc {
	return func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		args, err := p.Validate(req.Params.Arguments)
		if err != nil {
			return nil, err
		}
		text, _ := redact.Default().Text(p.Render(args, opts))
		return mcp.NewGetPromptResult(p.Title, []mcp.PromptMessage{
			mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text)),
		}), nil
	}
}

// Validate checks the arguments: every required one present, no unknown
// ones, closed sets respected. It returns them trimmed.
func (p Prompt) Validate(in map[string]string) (map[string]string, error) {
	known := map[string]Arg{}
	var names []string
	for _, a := range p.Args {
		known[a.Name] = a
		names = append(names, a.Name)
	}
	args := map[string]string{}
	var unknown []string
	for k, v := range in {
		if _, ok := known[k]; !ok {
			unknown = append(unknown, k)
			continue
		}
		if v = strings.TrimSpace(v); v != "" {
			args[k] = v
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("prompt %s has no argument %s; its arguments are %s",
			p.Name, strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	for _, a := range p.Args {
		v, ok := args[a.Name]
		if !ok {
			if a.Required {
				return nil, fmt.Errorf("prompt %s needs the argument %s: %s", p.Name, a.Name, a.Description)
			}
			continue
		}
		if len(a.Choices) > 0 && !slices.Contains(a.Choices, v) {
			return nil, fmt.Errorf("prompt %s: argument %s must be one of %s, not %q",
				p.Name, a.Name, strings.Join(a.Choices, ", "), v)
		}
	}
	if p.Check != nil {
		if err := p.Check(args); err != nil {
			return nil, fmt.Errorf("prompt %s: %w", p.Name, err)
		}
	}
	return args, nil
}

// Render is the prompt's text for args.
func (p Prompt) Render(args map[string]string, opts Options) string {
	var pairs []string
	var missing []string
	for _, a := range p.Args {
		v, ok := args[a.Name]
		if !ok {
			v = "<" + a.Name + ">"
			missing = append(missing, a.Name)
		}
		pairs = append(pairs, "{"+a.Name+"}", v)
	}
	fill := strings.NewReplacer(pairs...).Replace

	var b strings.Builder
	b.WriteString(fill(p.Goal))
	b.WriteString("\n")
	if len(missing) > 0 {
		fmt.Fprintf(&b, "Not given: %s. Ask the person for what the steps need rather than guessing.\n",
			strings.Join(missing, ", "))
	}
	b.WriteString("\nSteps:\n")
	n := 0
	for _, s := range p.Steps {
		if s.When != nil && !s.When(args) {
			continue
		}
		if s.Optional && !opts.has(s.Tool) {
			continue
		}
		if s.Unless != "" && opts.HasTool != nil && opts.has(s.Unless) {
			continue
		}
		n++
		fmt.Fprintf(&b, "%d. ", n)
		if s.Tool != "" {
			fmt.Fprintf(&b, "%s: ", s.Tool)
		}
		b.WriteString(fill(s.Text))
		b.WriteString("\n")
	}
	if len(p.Rules) > 0 {
		b.WriteString("\nRules:\n")
		for _, r := range p.Rules {
			b.WriteString("- ")
			b.WriteString(fill(r))
			b.WriteString("\n")
		}
	}
	return b.String()
}
