package cloudemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The Serverless project API has no contract file (its licence forbids a
// trimmed copy); the shapes follow reference §5.

type project struct {
	id, typ, name, alias string
	region, orgID        string
	createdBy            string
	createdAt            time.Time
	seq                  int64
	roles                []ProjectRole
}

// ProjectRole is one entry of GET .../{id}/roles.
type ProjectRole struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// ProjectRoles is the value under the project id in the /roles reply.
type ProjectRoles struct {
	Roles []ProjectRole `json:"roles"`
}

// Project is a Serverless project as the API returns it. The type-specific
// optional fields are set only for their type.
type Project struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	Alias                string            `json:"alias"`
	RegionID             string            `json:"region_id"`
	CloudID              string            `json:"cloud_id"`
	Type                 string            `json:"type"`
	Metadata             ProjectMetadata   `json:"metadata"`
	Endpoints            map[string]string `json:"endpoints"`
	OptimizedFor         string            `json:"optimized_for,omitempty"`          // elasticsearch
	ProductTier          string            `json:"product_tier,omitempty"`           // observability
	AdminFeaturesPackage string            `json:"admin_features_package,omitempty"` // security
	ProductTypes         []ProductType     `json:"product_types,omitempty"`          // security
}

// ProjectMetadata is the metadata of a project.
type ProjectMetadata struct {
	CreatedAt      time.Time `json:"created_at"`
	CreatedBy      string    `json:"created_by"`
	OrganizationID string    `json:"organization_id"`
}

// ProductType is one Security product line.
type ProductType struct {
	ProductLine string `json:"product_line"`
	ProductTier string `json:"product_tier"`
}

// ProjectList is the reply of the per-type list.
type ProjectList struct {
	Items    []Project `json:"items"`
	NextPage string    `json:"next_page,omitempty"`
}

// ProjectStatus is the reply of .../{id}/status.
type ProjectStatus struct {
	Phase                string    `json:"phase"`
	PhaseChangeTimestamp time.Time `json:"phase_change_timestamp"`
}

// predefinedProjectRoles are the stack role names that exist in every
// project of a type (workflows §4.3-§4.4), listed by /roles next to the
// custom ones so clients can check application_roles against one list.
func predefinedProjectRoles(projectType string) []ProjectRole {
	names := slices.Clone(baseProjectRoles[projectType])
	if projectType == TypeSecurity {
		for _, r := range extendedSecurityRoles {
			names = append(names, strings.ReplaceAll(r, "-", "_"))
		}
	}
	out := make([]ProjectRole, 0, len(names))
	for _, n := range names {
		out = append(out, ProjectRole{Name: n, Description: "Predefined " + n + " role"})
	}
	return out
}

func (e *Emulator) endpoints(p *project) (es, kb string) {
	if e.opts.ProjectEndpoints != nil {
		return e.opts.ProjectEndpoints(p.typ, p.id)
	}
	return "http://127.0.0.1:0/" + p.alias + ".es", "http://127.0.0.1:0/" + p.alias + ".kb"
}

func (e *Emulator) renderProject(p *project) Project {
	es, kb := e.endpoints(p)
	out := Project{
		ID:       p.id,
		Name:     p.name,
		Alias:    p.alias,
		RegionID: p.region,
		// A Cloud ID is "<name>:" + base64("<host>$<es id>$<kibana id>").
		CloudID:   p.name + ":" + base64.StdEncoding.EncodeToString([]byte(p.region+".emulator.local$"+p.id+"$"+p.id[:16])),
		Type:      p.typ,
		Metadata:  ProjectMetadata{CreatedAt: p.createdAt, CreatedBy: p.createdBy, OrganizationID: p.orgID},
		Endpoints: map[string]string{"elasticsearch": es, "kibana": kb},
	}
	// The emulators have no APM or ingest service: those endpoints point at
	// the project's Elasticsearch, which is where such data would land.
	switch p.typ {
	case TypeElasticsearch:
		out.OptimizedFor = "general_purpose"
	case TypeObservability:
		out.ProductTier = "complete"
		out.Endpoints["apm"] = es
		out.Endpoints["ingest"] = es
	case TypeSecurity:
		out.AdminFeaturesPackage = "standard"
		out.ProductTypes = []ProductType{{ProductLine: "security", ProductTier: "complete"}}
		out.Endpoints["ingest"] = es
	}
	return out
}

func validProjectType(t string) bool { return slices.Contains(ProjectTypes, t) }

// GET /api/v1/serverless/projects/{type}: every member sees the
// organization's projects (per-project visibility is not modelled). The
// optional filters (traffic_filter, linked, tags) are accepted and ignored.
func (e *Emulator) listProjects(c *call) reply {
	t := c.param("type")
	if !validProjectType(t) {
		return fail(http.StatusNotFound, codeNotFound, "Unknown project type ["+t+"]")
	}
	var mine []*project
	for _, p := range e.projects {
		if p.typ == t && p.orgID == c.key.orgID {
			mine = append(mine, p)
		}
	}
	page, next, err := paginate(mine, func(p *project) int64 { return p.seq }, c.r.URL.Query().Get("next_page"), e.pageSize())
	if err != nil {
		return fail(http.StatusBadRequest, codeInvalidData, err.Error())
	}
	out := ProjectList{Items: make([]Project, 0, len(page)), NextPage: next}
	for _, p := range page {
		out.Items = append(out.Items, e.renderProject(p))
	}
	return ok(http.StatusOK, out)
}

func (e *Emulator) lookupProject(c *call) (*project, *reply) {
	t, id := c.param("type"), c.param("id")
	p := e.projects[id]
	if !validProjectType(t) || p == nil || p.typ != t || p.orgID != c.key.orgID {
		rep := fail(http.StatusNotFound, codeProjectNotFound, "Project ["+id+"] of type ["+t+"] not found")
		return nil, &rep
	}
	return p, nil
}

// GET /api/v1/serverless/projects/{type}/{id} with an ETag; a matching
// If-None-Match gets 304.
func (e *Emulator) getProject(c *call) reply {
	p, rep := e.lookupProject(c)
	if rep != nil {
		return *rep
	}
	body := e.renderProject(p)
	b, _ := json.Marshal(body)
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := http.Header{}
	h.Set("ETag", etag)
	if inm := c.r.Header.Get("If-None-Match"); inm != "" && slices.Contains(splitList(inm), etag) {
		return reply{status: http.StatusNotModified, header: h}
	}
	return reply{status: http.StatusOK, body: body, header: h}
}

// GET .../{id}/roles: {"<project id>": {"roles": [...]}}.
func (e *Emulator) getProjectRoles(c *call) reply {
	p, rep := e.lookupProject(c)
	if rep != nil {
		return *rep
	}
	roles := slices.Clone(p.roles)
	if e.opts.ProjectCustomRoles != nil {
		known := map[string]bool{}
		for _, r := range roles {
			known[r.Name] = true
		}
		for _, r := range e.opts.ProjectCustomRoles(p.typ, p.id) {
			if !known[r.Name] {
				known[r.Name] = true
				roles = append(roles, r)
			}
		}
	}
	return ok(http.StatusOK, map[string]ProjectRoles{p.id: {Roles: roles}})
}

// GET .../{id}/status: emulated projects are always initialized.
func (e *Emulator) getProjectStatus(c *call) reply {
	p, rep := e.lookupProject(c)
	if rep != nil {
		return *rep
	}
	return ok(http.StatusOK, ProjectStatus{Phase: "initialized", PhaseChangeTimestamp: p.createdAt})
}
