package cloudapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
)

func checkType(projectType string) error {
	if !slices.Contains(ProjectTypes, projectType) {
		return fmt.Errorf("cloud api: unknown project type %q; use one of elasticsearch, observability, security", projectType)
	}
	return nil
}

// ProjectsPage returns one page of the Serverless projects of one type and
// the cursor of the next page ("" on the last).
func (c *Client) ProjectsPage(ctx context.Context, projectType, cursor string) ([]Project, string, error) {
	if err := checkType(projectType); err != nil {
		return nil, "", err
	}
	var q url.Values
	if cursor != "" {
		q = url.Values{"next_page": {cursor}}
	}
	var out struct {
		Items    []Project `json:"items"`
		NextPage string    `json:"next_page"`
	}
	if _, err := c.do(ctx, request{op: "list " + projectType + " projects", method: http.MethodGet,
		path: "/serverless/projects/" + projectType, query: q}, &out); err != nil {
		return nil, "", err
	}
	for i := range out.Items {
		if out.Items[i].Type == "" {
			out.Items[i].Type = projectType
		}
	}
	return out.Items, out.NextPage, nil
}

// ListProjects returns every project of one type, following cursors.
func (c *Client) ListProjects(ctx context.Context, projectType string) ([]Project, error) {
	return collect(ctx, c.cfg.MaxPages, "list "+projectType+" projects",
		func(ctx context.Context, cur string) ([]Project, string, error) {
			return c.ProjectsPage(ctx, projectType, cur)
		},
		func(p Project) string { return p.ID })
}

// ListAllProjects returns the projects of every type, in type order. The
// types are listed at once: three round trips one after another were most
// of the time a short process spent naming projects. On failure the error
// is the first type's that failed.
func (c *Client) ListAllProjects(ctx context.Context) ([]Project, error) {
	lists := make([][]Project, len(ProjectTypes))
	errs := make([]error, len(ProjectTypes))
	var wg sync.WaitGroup
	for i, t := range ProjectTypes {
		wg.Go(func() { lists[i], errs[i] = c.ListProjects(ctx, t) })
	}
	wg.Wait()
	var all []Project
	for i := range ProjectTypes {
		if errs[i] != nil {
			return nil, errs[i]
		}
		all = append(all, lists[i]...)
	}
	return all, nil
}

// GetProject returns one project.
func (c *Client) GetProject(ctx context.Context, projectType, id string) (*Project, error) {
	if err := checkType(projectType); err != nil {
		return nil, err
	}
	var p Project
	if _, err := c.do(ctx, request{op: "get " + projectType + " project", method: http.MethodGet,
		path: "/serverless/projects/" + projectType + "/" + seg(id)}, &p); err != nil {
		return nil, err
	}
	if p.Type == "" {
		p.Type = projectType
	}
	return &p, nil
}

// ProjectRoles returns the roles defined in a project (custom ones, and in
// some versions the predefined ones too).
func (c *Client) ProjectRoles(ctx context.Context, projectType, id string) ([]ProjectRole, error) {
	if err := checkType(projectType); err != nil {
		return nil, err
	}
	var out map[string]struct {
		Roles []ProjectRole `json:"roles"`
	}
	if _, err := c.do(ctx, request{op: "list roles of " + projectType + " project", method: http.MethodGet,
		path: "/serverless/projects/" + projectType + "/" + seg(id) + "/roles"}, &out); err != nil {
		return nil, err
	}
	if v, ok := out[id]; ok {
		return v.Roles, nil
	}
	// Keyed by project id; tolerate a single entry under another key.
	var roles []ProjectRole
	for _, v := range out {
		roles = append(roles, v.Roles...)
	}
	return roles, nil
}
