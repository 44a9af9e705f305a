package source

import (
	"context"
	"fmt"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
)

// Upstream is a Source over the server's upstream clients. A nil client
// means its plane is not configured. Kibana spaces and features come from
// functions because the Kibana client does not read them yet; nil means not
// available.
type Upstream struct {
	Cloud         *cloudapi.Client
	Elasticsearch *esapi.Client
	Kibana        *esapi.KibanaClient
	Spaces        func(ctx context.Context) ([]Space, error)
	Features      func(ctx context.Context) ([]Feature, error)
}

var _ Source = (*Upstream)(nil)

// Configured implements Source.
func (u *Upstream) Configured(p Plane) bool {
	switch p {
	case PlaneCloud:
		return u.Cloud != nil
	case PlaneElasticsearch:
		return u.Elasticsearch != nil
	case PlaneKibana:
		return u.Kibana != nil
	}
	return false
}

// Flavor implements Source.
func (u *Upstream) Flavor(ctx context.Context) string {
	if u.Elasticsearch == nil {
		return ""
	}
	f, err := u.Elasticsearch.Flavor(ctx)
	if err != nil {
		return ""
	}
	return string(f)
}

func notConfigured(p Plane) error { return fmt.Errorf("%s: %w", p, ErrNotConfigured) }

// ListProjects implements Source; endpoints lose any userinfo.
func (u *Upstream) ListProjects(ctx context.Context) ([]Project, error) {
	if u.Cloud == nil {
		return nil, notConfigured(PlaneCloud)
	}
	ps, err := u.Cloud.ListAllProjects(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Project, 0, len(ps))
	for _, p := range ps {
		v := Project{ID: p.ID, Name: p.Name, Alias: p.Alias, Type: p.Type, Region: p.RegionID}
		for name, raw := range p.Endpoints {
			if safe := SafeURL(raw); safe != "" {
				if v.Endpoints == nil {
					v.Endpoints = map[string]string{}
				}
				v.Endpoints[name] = safe
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// ListRoleNames implements Source.
func (u *Upstream) ListRoleNames(ctx context.Context) ([]string, error) {
	if u.Elasticsearch == nil {
		return nil, notConfigured(PlaneElasticsearch)
	}
	roles, err := u.Elasticsearch.GetRoles(ctx)
	if err != nil {
		return nil, err
	}
	return esapi.SortedKeys(roles), nil
}

// ListUserNames implements Source.
func (u *Upstream) ListUserNames(ctx context.Context) ([]string, error) {
	if u.Elasticsearch == nil {
		return nil, notConfigured(PlaneElasticsearch)
	}
	users, err := u.Elasticsearch.GetUsers(ctx)
	if err != nil {
		return nil, err
	}
	return esapi.SortedKeys(users), nil
}

// ListMemberEmails implements Source.
func (u *Upstream) ListMemberEmails(ctx context.Context) ([]string, error) {
	if u.Cloud == nil {
		return nil, notConfigured(PlaneCloud)
	}
	members, err := u.Cloud.ListMembers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(members))
	for _, m := range members {
		if m.Email != "" {
			out = append(out, m.Email)
		}
	}
	return out, nil
}

// ListKibanaSpaces implements Source.
func (u *Upstream) ListKibanaSpaces(ctx context.Context) ([]Space, error) {
	if u.Kibana == nil || u.Spaces == nil {
		return nil, notConfigured(PlaneKibana)
	}
	return u.Spaces(ctx)
}

// ListKibanaFeatures implements Source.
func (u *Upstream) ListKibanaFeatures(ctx context.Context) ([]Feature, error) {
	if u.Kibana == nil || u.Features == nil {
		return nil, notConfigured(PlaneKibana)
	}
	return u.Features(ctx)
}
