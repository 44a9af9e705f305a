package cloudemu

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"
)

// The Serverless API has no contract file, so shapes are checked here
// against reference §5.3-§5.5.

var projectIDPattern = regexp.MustCompile(`^[a-z0-9]{32}$`)

func checkProjectShape(t *testing.T, raw map[string]any, typ string) {
	t.Helper()
	required := []string{"alias", "cloud_id", "endpoints", "id", "metadata", "name", "region_id", "type"}
	endpoints := map[string][]string{
		TypeElasticsearch: {"elasticsearch", "kibana"},
		TypeObservability: {"apm", "elasticsearch", "ingest", "kibana"},
		TypeSecurity:      {"elasticsearch", "ingest", "kibana"},
	}[typ]
	if typ == TypeElasticsearch {
		required = append(required, "optimized_for")
	}
	for _, f := range required {
		if _, ok := raw[f]; !ok {
			t.Errorf("project lacks %q: %v", f, raw)
		}
	}
	if id, _ := raw["id"].(string); !projectIDPattern.MatchString(id) {
		t.Errorf("id %q", id)
	}
	if raw["type"] != typ {
		t.Errorf("type %v, want %s", raw["type"], typ)
	}
	if a, _ := raw["alias"].(string); len(a) < 8 || len(a) > 57 {
		t.Errorf("alias %q", a)
	}
	ep, _ := raw["endpoints"].(map[string]any)
	var keys []string
	for k, v := range ep {
		if s, _ := v.(string); s == "" {
			t.Errorf("endpoint %s empty", k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, endpoints) {
		t.Errorf("endpoint keys %v, want %v", keys, endpoints)
	}
	md, _ := raw["metadata"].(map[string]any)
	for _, f := range []string{"created_at", "created_by", "organization_id"} {
		if s, _ := md[f].(string); s == "" {
			t.Errorf("metadata.%s missing", f)
		}
	}
	if _, err := time.Parse(time.RFC3339, md["created_at"].(string)); err != nil {
		t.Errorf("created_at: %v", err)
	}
}

func serverlessError(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	// MultiErrorResponse: errors[] of {message, code}, no fields.
	var body struct {
		Errors []map[string]any `json:"errors"`
	}
	r.decode(t, &body)
	if len(body.Errors) == 0 || body.Errors[0]["code"] == "" || body.Errors[0]["message"] == "" {
		t.Fatalf("not a MultiErrorResponse: %s", r.body)
	}
	if _, has := body.Errors[0]["fields"]; has {
		t.Fatalf("serverless error with fields: %s", r.body)
	}
}

func TestListAndGetProjects(t *testing.T) {
	endpoints := func(typ, id string) (string, string) {
		return "http://es.test/" + typ + "/" + id, "http://kb.test/" + typ + "/" + id
	}
	e := newEnv(t, Options{ProjectEndpoints: endpoints})
	for _, typ := range ProjectTypes {
		t.Run(typ, func(t *testing.T) {
			want := e.seed.Projects[typ]
			r := e.member("GET", api+"/serverless/projects/"+typ, nil)
			r.want(t, 200, "")
			var list struct {
				Items    []map[string]any `json:"items"`
				NextPage *string          `json:"next_page"`
			}
			r.decode(t, &list)
			if len(list.Items) != 1 || list.NextPage != nil {
				t.Fatalf("list %s", r.body)
			}
			checkProjectShape(t, list.Items[0], typ)

			r = e.member("GET", api+"/serverless/projects/"+typ+"/"+want.ID, nil)
			r.want(t, 200, "")
			etag := r.header.Get("ETag")
			if len(etag) < 3 || etag[0] != '"' {
				t.Fatalf("ETag %q", etag)
			}
			var raw map[string]any
			r.decode(t, &raw)
			checkProjectShape(t, raw, typ)
			var p Project
			r.decode(t, &p)
			es, kb := endpoints(typ, want.ID)
			if p.Name != want.Name || p.Alias != want.Alias || p.Endpoints["elasticsearch"] != es || p.Endpoints["kibana"] != kb ||
				p.Metadata.OrganizationID != e.seed.OrganizationID || p.Metadata.CreatedBy != e.seed.OwnerUserID ||
				want.ElasticsearchURL != es || want.KibanaURL != kb {
				t.Fatalf("project %+v, seed %+v", p, want)
			}
			// Conditional GET.
			r = e.member("GET", api+"/serverless/projects/"+typ+"/"+want.ID, nil, withHeader("If-None-Match", etag))
			if r.status != 304 || len(r.body) != 0 || r.header.Get("ETag") != etag {
				t.Fatalf("conditional GET: %d %q", r.status, r.body)
			}
			r = e.member("GET", api+"/serverless/projects/"+typ+"/"+want.ID, nil, withHeader("If-None-Match", `"other"`))
			r.want(t, 200, "")

			var st ProjectStatus
			r = e.member("GET", api+"/serverless/projects/"+typ+"/"+want.ID+"/status", nil)
			r.want(t, 200, "")
			r.decode(t, &st)
			if st.Phase != "initialized" || st.PhaseChangeTimestamp.IsZero() {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

func TestDefaultEndpointsArePlaceholders(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.seed.Projects[TypeSecurity]
	if p.ElasticsearchURL == "" || p.KibanaURL == "" || p.ElasticsearchURL == p.KibanaURL ||
		p.ElasticsearchURL[:len("http://127.0.0.1:0")] != "http://127.0.0.1:0" {
		t.Fatalf("placeholders %+v", p)
	}
}

func TestProjectRoles(t *testing.T) {
	e := newEnv(t, Options{})
	obs := e.seed.Projects[TypeObservability].ID
	names := func() []string {
		r := e.member("GET", api+"/serverless/projects/observability/"+obs+"/roles", nil)
		r.want(t, 200, "")
		var body map[string]ProjectRoles
		r.decode(t, &body)
		if len(body) != 1 {
			t.Fatalf("roles keyed by %v", body)
		}
		var out []string
		for _, r := range body[obs].Roles {
			if r.Description == "" {
				t.Fatalf("role %q without description", r.Name)
			}
			out = append(out, r.Name)
		}
		return out
	}
	got := names()
	for _, want := range []string{"admin", "editor", "viewer", "dashboard-viewer", "logs-reader"} {
		if !slices.Contains(got, want) {
			t.Fatalf("roles %v lack %s", got, want)
		}
	}
	if slices.Contains(got, "developer") {
		t.Fatal("developer listed on an observability project")
	}
	if !e.emu.AddProjectRole(obs, "sre", "SRE access") || !slices.Contains(names(), "sre") {
		t.Fatal("added role not listed")
	}
	if !e.emu.RemoveProjectRole(obs, "sre") || slices.Contains(names(), "sre") {
		t.Fatal("removed role still listed")
	}
	sec := e.seed.Projects[TypeSecurity].ID
	var body map[string]ProjectRoles
	e.member("GET", api+"/serverless/projects/security/"+sec+"/roles", nil).decode(t, &body)
	if !slices.ContainsFunc(body[sec].Roles, func(r ProjectRole) bool { return r.Name == "t1_analyst" }) {
		t.Fatalf("security roles %+v", body)
	}
}

func TestProjectErrors(t *testing.T) {
	e := newEnv(t, Options{})
	es := e.seed.Projects[TypeElasticsearch].ID
	serverlessError(t, e.owner("GET", api+"/serverless/projects/observability/"+es, nil), 404) // wrong type
	serverlessError(t, e.owner("GET", api+"/serverless/projects/elasticsearch/"+newProjectID(), nil), 404)
	serverlessError(t, e.owner("GET", api+"/serverless/projects/elasticsearch/"+newProjectID()+"/roles", nil), 404)
	serverlessError(t, e.owner("GET", api+"/serverless/projects/elasticsearch/"+newProjectID()+"/status", nil), 404)
	serverlessError(t, e.owner("GET", api+"/serverless/projects/workplaceai", nil), 404)
	serverlessError(t, e.do("GET", api+"/serverless/projects/elasticsearch", "", nil), 401)
	serverlessError(t, e.owner("GET", api+"/serverless/projects/elasticsearch?next_page=bad", nil), 400)
	// Another organization's projects are invisible.
	other := e.emu.AddOrganization("Other")
	admin := e.emu.AddMemberTo(other, "o@example.com", RoleAssignments{Organization: []OrganizationRoleAssignment{{RoleID: "organization-admin"}}})
	_, key := e.emu.CreateKey(admin, "k", 0, RoleAssignments{})
	serverlessError(t, e.do("GET", api+"/serverless/projects/elasticsearch/"+es, key, nil), 404)
	var l ProjectList
	e.do("GET", api+"/serverless/projects/elasticsearch", key, nil).decode(t, &l)
	if len(l.Items) != 0 {
		t.Fatalf("foreign projects listed: %+v", l.Items)
	}
}

func TestProjectPagination(t *testing.T) {
	e := newEnv(t, Options{PageSize: 2})
	for _, n := range []string{"p2", "p3", "p4", "p5"} {
		e.emu.AddProject(TypeElasticsearch, n)
	}
	var names []string
	cursor := ""
	for pages := 1; ; pages++ {
		p := api + "/serverless/projects/elasticsearch"
		if cursor != "" {
			p += "?next_page=" + cursor
		}
		r := e.owner("GET", p, nil)
		r.want(t, 200, "")
		var l ProjectList
		r.decode(t, &l)
		if len(l.Items) > 2 {
			t.Fatalf("page of %d", len(l.Items))
		}
		for _, it := range l.Items {
			names = append(names, it.Name)
		}
		if l.NextPage == "" {
			break
		}
		if l.NextPage == cursor || pages > 5 {
			t.Fatal("cursor does not advance")
		}
		cursor = l.NextPage
	}
	if !slices.Equal(names, []string{"search-demo", "p2", "p3", "p4", "p5"}) {
		b, _ := json.Marshal(names)
		t.Fatalf("names %s", b)
	}
}
