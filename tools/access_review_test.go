package tools_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// findingsByID indexes a review's findings by id, checking every finding
// carries the fields a user relies on.
func findingsByID(t *testing.T, out map[string]any) map[string]map[string]any {
	t.Helper()
	byID := map[string]map[string]any{}
	for _, f := range asList(out["findings"]) {
		m := asMap(f)
		id, _ := m["id"].(string)
		if id == "" || m["plane"] == nil || m["severity"] == nil || m["principal"] == nil || m["issue"] == nil {
			t.Fatalf("incomplete finding %s", dump(m))
		}
		if _, dup := byID[id]; dup {
			t.Fatalf("two findings share the id %s", id)
		}
		byID[id] = m
	}
	return byID
}

func mustFind(t *testing.T, byID map[string]map[string]any, id, severity, fixTool string) map[string]any {
	t.Helper()
	f, ok := byID[id]
	if !ok {
		var ids []string
		for k := range byID {
			ids = append(ids, k)
		}
		t.Fatalf("no finding %s among:\n%s", id, strings.Join(ids, "\n"))
	}
	if f["severity"] != severity {
		t.Fatalf("%s: severity %v, want %s", id, f["severity"], severity)
	}
	if fixTool != "" && asMap(f["fix_call"])["tool"] != fixTool {
		t.Fatalf("%s: fix call %s, want %s", id, dump(f["fix_call"]), fixTool)
	}
	return f
}

// Each Cloud finding family, seeded and found, with the call that fixes it.
func TestAccessReviewCloudFindings(t *testing.T) {
	h := cloudHarness(t, func(o *servertest.Options) { o.Toolsets = append(o.Toolsets, "diagnostics") })
	cloud := h.Sandbox.Cloud
	org := seed(h).OrganizationID
	search := seed(h).Projects["elasticsearch"].ID
	cloud.AddMember("wide@example.com", cloudemu.RoleAssignments{Organization: []cloudemu.OrganizationRoleAssignment{
		{RoleID: "billing-admin", OrganizationID: org, ApplicationRoles: []string{"viewer"}}}})
	cloud.AddMember("boss@example.com", cloudemu.RoleAssignments{Project: cloudemu.ProjectRoleAssignments{
		Observability: []cloudemu.ProjectRoleAssignment{{RoleID: "observability-admin", OrganizationID: org, All: true}}}})
	cloud.AddMember("both@example.com", cloudemu.RoleAssignments{Project: cloudemu.ProjectRoleAssignments{
		Elasticsearch: []cloudemu.ProjectRoleAssignment{
			{RoleID: "elasticsearch-viewer", OrganizationID: org, ProjectIDs: []string{search}, ApplicationRoles: []string{"dashboard-viewer"}},
			{RoleID: "elasticsearch-developer", OrganizationID: org, ProjectIDs: []string{search}}}}})
	cloud.AddMember("idle@example.com", cloudemu.RoleAssignments{})
	cloud.BackdateInvitation(cloud.Invite("late@example.com", 30*24*time.Hour, cloudemu.RoleAssignments{}), 10*24*time.Hour)
	cloud.BackdateInvitation(cloud.Invite("gone@example.com", 0, cloudemu.RoleAssignments{}), 5*24*time.Hour)
	owner := seed(h).OwnerUserID
	soonID, _ := cloud.CreateKey(owner, "soon", 3*24*time.Hour, cloudemu.RoleAssignments{Project: cloudemu.ProjectRoleAssignments{
		Elasticsearch: []cloudemu.ProjectRoleAssignment{{RoleID: "elasticsearch-viewer", OrganizationID: org, ProjectIDs: []string{search}}}}})
	longID, _ := cloud.CreateKey(owner, "forever-ish", 400*24*time.Hour, cloudemu.RoleAssignments{Project: cloudemu.ProjectRoleAssignments{
		Elasticsearch: []cloudemu.ProjectRoleAssignment{{RoleID: "elasticsearch-viewer", OrganizationID: org, ProjectIDs: []string{search}}}}})
	wideID, _ := cloud.CreateKey(owner, "everywhere", 10*24*time.Hour, cloudemu.RoleAssignments{Project: cloudemu.ProjectRoleAssignments{
		Security: []cloudemu.ProjectRoleAssignment{{RoleID: "security-admin", OrganizationID: org, All: true, ApplicationRoles: []string{"admin"}}}}})

	out := h.CallOK(t, "access_review", map[string]any{"planes": []any{"cloud"}})
	byID := findingsByID(t, out)
	mustFind(t, byID, "cloud.owners.only_server/organization/member:"+cloudemu.DemoOwnerEmail, "high", "assign_cloud_roles")
	mustFind(t, byID, "cloud.member.org_stack_access/organization/member:wide@example.com", "high", "remove_cloud_roles")
	mustFind(t, byID, "cloud.member.admin_all_projects/organization/member:boss@example.com", "high", "remove_cloud_roles")
	stacked := mustFind(t, byID, "cloud.member.stacked_roles/organization/member:both@example.com", "medium", "remove_cloud_roles")
	mustContain(t, asJSON(stacked["fix_call"]), `"role":"elasticsearch-developer"`, search)
	mustFind(t, byID, "cloud.member.no_role/organization/member:idle@example.com", "low", "remove_org_members")
	mustFind(t, byID, "cloud.invitation.stale/organization/invitation:late@example.com", "low", "cancel_org_invitations")
	mustFind(t, byID, "cloud.invitation.expired/organization/invitation:gone@example.com", "low", "cancel_org_invitations")
	mustFind(t, byID, "cloud.key.expiring/organization/cloud_key:soon ("+soonID+")", "low", "")
	mustFind(t, byID, "cloud.key.long_lived/organization/cloud_key:forever-ish ("+longID+")", "medium", "delete_cloud_api_keys")
	mustFind(t, byID, "cloud.key.stack_everywhere/organization/cloud_key:everywhere ("+wideID+")", "high", "delete_cloud_api_keys")
	for _, f := range byID {
		if f["plane"] != "cloud" {
			t.Fatalf("planes [cloud] returned %s", dump(f))
		}
	}
	// A second owner: the single-owner finding goes away; ids are stable.
	cloud.AddMember("second@example.com", cloudemu.RoleAssignments{Organization: []cloudemu.OrganizationRoleAssignment{{RoleID: "organization-admin", OrganizationID: org}}})
	again := findingsByID(t, h.CallOK(t, "access_review", map[string]any{"planes": []any{"cloud"}}))
	if _, still := again["cloud.owners.only_server/organization/member:"+cloudemu.DemoOwnerEmail]; still {
		t.Fatal("the owner finding survived a second owner")
	}
	if _, ok := again["cloud.member.no_role/organization/member:idle@example.com"]; !ok {
		t.Fatal("finding ids are not stable between reviews")
	}
}

// Each new Elasticsearch finding family, seeded and found.
func TestAccessReviewElasticsearchFindings(t *testing.T) {
	h := esHarness(t, "stack")
	stack := h.Sandbox.Stack
	mustPut := func(name, body string) {
		t.Helper()
		if err := stack.PutRoleJSON(name, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	mustPut("customers-all", `{"indices":[{"names":["customers-*"],"privileges":["read"]}]}`)
	mustPut("raw-search", `{"cluster":["cluster:monitor/main"],"indices":[{"names":["logs-*"],"privileges":["indices:data/read/search"]}]}`)
	if err := stack.PutUser("mixed", "mixed-password-1", []string{"pii-redacted-reader", "customers-all"}, nil); err != nil {
		t.Fatal(err)
	}
	h.CallOK(t, "put_role_mapping", map[string]any{"name": "typo-groups", "enabled": true, "roles": []any{"viewer"},
		"rules": map[string]any{"field": map[string]any{"realm.name": "saml1"}}})
	// Written straight to the cluster: put_role_mapping refuses the typo.
	if _, err := esAdmin(t, h).PutRoleMapping(t.Context(), "typo-groups", mappingWithRules(map[string]any{"all": []any{
		map[string]any{"field": map[string]any{"realm.name": "saml1"}}, map[string]any{"field": map[string]any{"group": "readers"}}}})); err != nil {
		t.Fatal(err)
	}
	h.CallOK(t, "put_role_mapping", map[string]any{"name": "oidc-any-role", "enabled": true, "rules": map[string]any{"field": map[string]any{"realm.name": "oidc1"}},
		"role_templates": []any{map[string]any{"template": map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"}}})
	h.CallOK(t, "put_role_mapping", map[string]any{"name": "oidc-team-role", "enabled": true, "rules": map[string]any{"field": map[string]any{"realm.name": "oidc1"}},
		"role_templates": []any{map[string]any{"template": map[string]any{"source": "team-{{metadata.team}}"}}}})

	out := h.CallOK(t, "access_review", map[string]any{"planes": []any{"elasticsearch"}})
	byID := findingsByID(t, out)
	cancelled := mustFind(t, byID, "es.user.restriction_cancelled/cluster/user:mixed", "high", "")
	mustContain(t, asJSON(cancelled["evidence"]), "customers-all")
	internal := mustFind(t, byID, "es.role.internal_actions/cluster/role:raw-search", "low", "put_role")
	mustContain(t, asJSON(internal["fix_call"]), `"cluster":["monitor"]`, `"privileges":["read"]`)
	typo := mustFind(t, byID, "es.mapping.unknown_field/cluster/role_mapping:typo-groups", "medium", "put_role_mapping")
	mustContain(t, asJSON(typo["fix_call"]), `"groups":"readers"`)
	mustFind(t, byID, "es.mapping.template_superuser/cluster/role_mapping:oidc-any-role", "high", "put_role_mapping")
	mustFind(t, byID, "es.mapping.templates/cluster/role_mapping:oidc-team-role", "low", "")
	// The disabled seed user joe holds no superuser-like role; a disabled
	// superuser is worse than a disabled ordinary user.
	if err := stack.PutUser("ex-admin", "ex-admin-password", []string{"superuser"}, nil); err != nil {
		t.Fatal(err)
	}
	h.CallOK(t, "set_user_enabled", map[string]any{"username": "ex-admin", "enabled": false})
	byID = findingsByID(t, h.CallOK(t, "access_review", map[string]any{"planes": []any{"elasticsearch"}}))
	disabled := mustFind(t, byID, "es.user.disabled_privileged/cluster/user:ex-admin", "medium", "update_user")
	mustContain(t, asJSON(disabled["fix_call"]), `"remove_roles":["superuser"]`)
	for _, f := range byID {
		if f["plane"] != "elasticsearch" {
			t.Fatalf("planes [elasticsearch] returned %s", dump(f))
		}
	}
}

// Serverless projects, fanned out: predefined roles are information, and
// each finding names its project and carries it in the fix call.
func TestAccessReviewProjectsFanOut(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.NoElasticsearch = true; o.NoKibana = true })
	out := h.CallOK(t, "access_review", map[string]any{"projects": []any{"*"}, "concurrency": 2, "planes": []any{"elasticsearch"}})
	byID := findingsByID(t, out)
	for typ, p := range h.Sandbox.CloudSeed.Projects {
		f := mustFind(t, byID, "es.role.predefined/"+p.ID+"/role:admin", "info", "")
		mustContain(t, asJSON(f["target"]), p.Name)
		_ = typ
	}
	mustContain(t, dump(out["reviewed"]), "not on Serverless")
	high := h.CallOK(t, "access_review", map[string]any{"projects": []any{"*"}, "min_severity": "low", "planes": []any{"elasticsearch"}})
	for _, f := range asList(high["findings"]) {
		if asMap(f)["severity"] == "info" {
			t.Fatalf("min_severity low returned %s", dump(f))
		}
	}
}

func mappingWithRules(rules map[string]any) esapi.RoleMapping {
	return esapi.RoleMapping{Enabled: true, Roles: []string{"viewer"}, Rules: rules}
}

// Every valid API key is reviewed, however many, and a key invalidated
// while the review pages through them does not push another one out of
// every page: the review read one page of 1,000 and said nothing of the
// rest; from/size pages would skip the key that moved up.
func TestAccessReviewReadsEveryPageOfAPIKeys(t *testing.T) {
	opts := servertest.Options{Toolsets: []string{"diagnostics"}, NoCloud: true}
	h := servertest.New(t, opts)
	// Straight to the cluster, so the server's redactor does not learn a
	// thousand key values.
	send := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, h.Sandbox.ElasticsearchURL+path, strings.NewReader(body))
		req.SetBasicAuth(h.Sandbox.StackSeed.AdminUsername, h.Sandbox.StackSeed.AdminPassword)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, b)
		}
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out
	}
	first := send(http.MethodPost, "/_security/api_key", `{"name":"batch-first","expiration":"1d","role_descriptors":{"r":{"cluster":["monitor"]}}}`)
	const many = 1100
	for i := range many {
		name := fmt.Sprintf("batch-%04d", i)
		expiry := `"expiration":"1d",`
		if i == 1000 { // the first key of the second page, with batch-first on the first
			name, expiry = "forever-on-page-two", ""
		}
		send(http.MethodPost, "/_security/api_key", `{"name":"`+name+`",`+expiry+`"role_descriptors":{"r":{"cluster":["monitor"]}}}`)
	}
	// batch-first is invalidated after the first page was read.
	cfg := h.Config(opts)
	queries := 0
	cfg.Elasticsearch.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if strings.HasSuffix(req.URL.Path, "/_query/api_key") {
			if queries++; queries == 2 {
				send(http.MethodDelete, "/_security/api_key", `{"ids":["`+first["id"].(string)+`"]}`)
			}
		}
		return http.DefaultTransport.RoundTrip(req)
	})
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res := servertest.CallTool(t, servertest.Connect(t, srv, opts), "access_review", map[string]any{"planes": []any{"elasticsearch"}})
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
	out := res.StructuredContent.(map[string]any)
	found := false
	for id := range findingsByID(t, out) {
		found = found || strings.HasPrefix(id, "es.key.never_expires/") && strings.Contains(id, "forever-on-page-two")
	}
	if !found {
		t.Fatalf("the never-expiring key at the top of the second page was not reviewed; reviewed: %s", asJSON(out["reviewed"]))
	}
	if queries < 2 {
		t.Fatalf("the review read the keys in %d queries; the test needs more than one page", queries)
	}
	// Every key valid when the review began: the seeded ones, batch-first and the batch.
	valid, err := esAdmin(t, h).QueryAPIKeys(t.Context(), map[string]any{"size": 0, "query": map[string]any{"term": map[string]any{"invalidated": false}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := valid.Total + 1; !strings.Contains(asJSON(out["reviewed"]), fmt.Sprintf(": %d valid API keys\"", want)) {
		t.Fatalf("the review should count the %d keys valid when it began: %s", want, asJSON(out["reviewed"]))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
