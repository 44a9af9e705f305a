// Package source is the dynamic data that prompts, resources and completions
// read: projects, role, user and member names, Kibana spaces and features.
// The server implements Source over its upstream clients (see Upstream);
// tests use Static.
package source

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
)

// ErrNotConfigured is returned by a Source for data of a plane (Cloud,
// Elasticsearch, Kibana) the server is not connected to.
var ErrNotConfigured = errors.New("not configured")

// Plane is one upstream the server may be connected to.
type Plane string

const (
	PlaneCloud         Plane = "cloud"
	PlaneElasticsearch Plane = "elasticsearch"
	PlaneKibana        Plane = "kibana"
)

// Source is what the protocol surface needs from upstream. Every list method
// returns ErrNotConfigured (wrapped or not) when its plane is not connected.
type Source interface {
	// Configured reports whether the server is connected to plane.
	Configured(plane Plane) bool
	// Flavor is "stack" or "serverless" for the connected Elasticsearch, or
	// "" when unknown or not connected.
	Flavor(ctx context.Context) string
	ListProjects(ctx context.Context) ([]Project, error)
	ListRoleNames(ctx context.Context) ([]string, error)
	ListUserNames(ctx context.Context) ([]string, error)
	ListMemberEmails(ctx context.Context) ([]string, error)
	ListKibanaSpaces(ctx context.Context) ([]Space, error)
	ListKibanaFeatures(ctx context.Context) ([]Feature, error)
}

// Project is a Serverless project as agents address it.
type Project struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Alias  string `json:"alias,omitempty"`
	Type   string `json:"type"`
	Region string `json:"region_id,omitempty"`
	// Endpoints are the service URLs by name ("elasticsearch", "kibana", …),
	// already free of userinfo (see SafeURL).
	Endpoints map[string]string `json:"endpoints,omitempty"`
}

// Space is a Kibana space.
type Space struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Feature is a Kibana feature that roles grant privileges on.
type Feature struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Privileges are the feature privilege names ("all", "read", …).
	Privileges []string `json:"privileges,omitempty"`
}

// Kind names a vocabulary that completions and templates draw from.
type Kind string

const (
	KindProject     Kind = "project"      // project names, aliases and ids
	KindProjectType Kind = "project_type" // elasticsearch, observability, security
	KindFlavor      Kind = "flavor"       // stack, serverless
	KindRole        Kind = "role"         // Elasticsearch role names
	KindUser        Kind = "user"         // native user names
	KindMember      Kind = "member"       // Cloud member emails
	KindSpace       Kind = "space"        // Kibana space ids
	KindFeature     Kind = "feature"      // Kibana feature ids
	KindIdentity    Kind = "identity"     // member emails and user names (offboarding)
)

// ProjectTypes are the Serverless project types: cloudapi's list.
var ProjectTypes = cloudapi.ProjectTypes

// Flavors are the Elasticsearch flavours the catalogs describe.
var Flavors = []string{"stack", "serverless"}

// Values lists every value of kind that src knows, sorted and without
// duplicates.
func Values(ctx context.Context, src Source, kind Kind) ([]string, error) {
	var out []string
	switch kind {
	case KindProjectType:
		out = append(out, ProjectTypes...)
	case KindFlavor:
		out = append(out, Flavors...)
	case KindProject:
		ps, err := src.ListProjects(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out = append(out, p.Name, p.Alias, p.ID)
		}
	case KindRole:
		return sorted(src.ListRoleNames(ctx))
	case KindUser:
		return sorted(src.ListUserNames(ctx))
	case KindMember:
		return sorted(src.ListMemberEmails(ctx))
	case KindIdentity:
		emails, errE := src.ListMemberEmails(ctx)
		users, errU := src.ListUserNames(ctx)
		if errE != nil && errU != nil {
			return nil, errE
		}
		out = append(emails, users...)
	case KindSpace:
		spaces, err := src.ListKibanaSpaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range spaces {
			out = append(out, s.ID)
		}
	case KindFeature:
		fs, err := src.ListKibanaFeatures(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			out = append(out, f.ID)
		}
	default:
		return nil, errors.New("unknown kind " + string(kind))
	}
	return sorted(out, nil)
}

func sorted(in []string, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, v := range in {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out, nil
}

// FindProject finds a project by id, name or alias (ids first, since names
// need not be unique).
func FindProject(ps []Project, key string) (Project, bool) {
	for _, match := range []func(Project) bool{
		func(p Project) bool { return p.ID == key },
		func(p Project) bool { return p.Alias == key },
		func(p Project) bool { return strings.EqualFold(p.Name, key) },
	} {
		for _, p := range ps {
			if match(p) {
				return p, true
			}
		}
	}
	return Project{}, false
}

// SafeURL removes userinfo, query and fragment (where credentials or tokens
// hide) from a URL. Anything that does not parse as an absolute URL is
// dropped entirely rather than risk passing a secret through.
func SafeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}
