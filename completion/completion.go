// Package completion answers completion/complete for prompt arguments and
// resource-template parameters from a source.Source: role, user, project and
// member names, Kibana spaces and the closed vocabularies.
package completion

import (
	"context"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/source"
	"github.com/mark3labs/mcp-go/mcp"
)

// MaxValues is the most values one answer carries (the protocol's limit).
const MaxValues = 100

// Provider completes prompt arguments and resource-template parameters. It
// implements both of mcp-go's completion provider interfaces.
type Provider struct {
	Src source.Source
	// Prompts maps a prompt name to its arguments.
	Prompts map[string]map[string]Vocabulary
	// Templates maps a URI template to its parameters.
	Templates map[string]map[string]Vocabulary
}

// Vocabulary is where the values of one argument come from: a closed list
// of choices, or a kind of name read from the Source plus fixed suggestions
// (predefined role names next to the custom ones, say).
type Vocabulary struct {
	Kind        source.Kind
	Choices     []string
	Suggestions []string
	// ByProjectType replaces Suggestions once the request's context names a
	// project (argument "project"): the predefined roles of its type.
	ByProjectType map[string][]string
}

// CompletePromptArgument implements server.PromptCompletionProvider.
func (p *Provider) CompletePromptArgument(ctx context.Context, prompt string, arg mcp.CompleteArgument, given mcp.CompleteContext) (*mcp.Completion, error) {
	return p.complete(ctx, p.Prompts[prompt], arg, given.Arguments), nil
}

// CompleteResourceArgument implements server.ResourceCompletionProvider.
func (p *Provider) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, given mcp.CompleteContext) (*mcp.Completion, error) {
	return p.complete(ctx, p.Templates[uri], arg, given.Arguments), nil
}

func (p *Provider) complete(ctx context.Context, args map[string]Vocabulary, arg mcp.CompleteArgument, given map[string]string) *mcp.Completion {
	vocab, ok := args[arg.Name]
	if ok && vocab.ByProjectType != nil && given["project"] != "" && p.Src != nil {
		if t := p.projectType(ctx, given["project"]); t != "" {
			vocab.Suggestions = vocab.ByProjectType[t]
		}
	}
	switch {
	case !ok:
		return &mcp.Completion{Values: []string{}}
	case len(vocab.Choices) > 0:
		return Match(vocab.Choices, arg.Value)
	case vocab.Kind == "" || p.Src == nil:
		return Match(vocab.Suggestions, arg.Value)
	}
	// Completions are hints typed while the person fills a form: an upstream
	// that is down or not configured gives only the fixed suggestions, not an
	// error that would break the client's form.
	names, err := source.Values(ctx, p.Src, vocab.Kind)
	if err != nil {
		names = nil
	}
	return Match(union(vocab.Suggestions, names), arg.Value)
}

// union is a followed by the values of b not in a.
func union(a, b []string) []string {
	if len(a) == 0 {
		return b
	}
	out := append([]string(nil), a...)
	seen := make(map[string]bool, len(a))
	for _, v := range a {
		seen[v] = true
	}
	for _, v := range b {
		if !seen[v] {
			out = append(out, v)
		}
	}
	return out
}

// Match keeps the values that start with prefix (case-insensitively), at
// most MaxValues of them, and says how many matched in all.
func Match(values []string, prefix string) *mcp.Completion {
	prefix = strings.ToLower(prefix)
	out := []string{}
	total := 0
	for _, v := range values {
		if !strings.HasPrefix(strings.ToLower(v), prefix) {
			continue
		}
		total++
		if len(out) < MaxValues {
			out = append(out, v)
		}
	}
	return &mcp.Completion{Values: out, Total: total, HasMore: total > len(out)}
}

// projectType is the type of the project named key, or "" when unknown.
func (p *Provider) projectType(ctx context.Context, key string) string {
	ps, err := p.Src.ListProjects(ctx)
	if err != nil {
		return ""
	}
	if pr, ok := source.FindProject(ps, key); ok {
		return pr.Type
	}
	return ""
}
