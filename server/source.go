package server

import (
	"context"
	"sort"

	"github.com/elastic-access-mcp/elastic-access-mcp/source"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// upstreamSource is what prompts, resources and completions read: the
// server's own clients, which go through the same dry-run transport and
// redaction as the tools.
func upstreamSource(env *toolkit.Env) *source.Upstream {
	u := &source.Upstream{Cloud: env.Cloud}
	if def := env.Stack.Default(); def != nil {
		u.Elasticsearch = def.ES
	}
	if kb := env.Stack.DefaultKibana(); kb != nil {
		u.Kibana = kb
		u.Spaces = func(ctx context.Context) ([]source.Space, error) {
			spaces, err := kb.ListSpaces(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]source.Space, 0, len(spaces))
			for _, s := range spaces {
				out = append(out, source.Space{ID: s.ID, Name: s.Name, Description: s.Description})
			}
			return out, nil
		}
		u.Features = func(ctx context.Context) ([]source.Feature, error) {
			fs, err := kb.ListFeatures(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]source.Feature, 0, len(fs))
			for _, f := range fs {
				privs := make([]string, 0, len(f.Privileges))
				for name := range f.Privileges {
					privs = append(privs, name)
				}
				sort.Strings(privs)
				out = append(out, source.Feature{ID: f.ID, Name: f.Name, Privileges: privs})
			}
			return out, nil
		}
	}
	return u
}
