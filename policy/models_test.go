package policy_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
)

// The tool layer converts the clients' models with one JSON round trip; this
// keeps the shapes in step.
func TestClientModelsConvert(t *testing.T) {
	src := esapi.RoleDescriptor{
		Cluster: []string{"monitor"},
		Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"logs-*"}, Privileges: []string{"read"},
			Query: `{"term":{"team":"a"}}`, FieldSecurity: &esapi.FieldSecurity{Grant: []string{"message"}}}},
		Applications: []esapi.ApplicationPrivileges{{Application: "kibana-.kibana", Privileges: []string{"all"}, Resources: []string{"*"}}},
		RunAs:        []string{"elastic"},
	}
	b, _ := json.Marshal(src)
	var r policy.Role
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	p, _ := policy.NewPermission(policy.NamedRole{Name: "x", Role: r})
	a, err := p.Index("logs-a", "read", false)
	if err != nil || !a.Allowed || len(a.DocumentQueries) != 1 || len(a.FieldSecurity) != 1 {
		t.Errorf("index answer %+v %v", a, err)
	}
	if ok, _ := p.RunAs("elastic"); !ok {
		t.Error("run_as lost in conversion")
	}

	ra := cloudapi.RoleAssignments{Project: &cloudapi.ProjectRoleAssignments{Elasticsearch: []cloudapi.ProjectRoleAssignment{
		{RoleID: "elasticsearch-admin", OrganizationID: "o", All: true}}}}
	b, _ = json.Marshal(ra)
	var pra policy.RoleAssignments
	if err := json.Unmarshal(b, &pra); err != nil {
		t.Fatal(err)
	}
	d, err := policy.Evaluate(context.Background(), policy.Change{Cloud: []policy.CloudChange{{Kind: "cloud_api_key", Name: "ci", New: pra}}}, nil)
	if err != nil || !d.Escalates() {
		t.Errorf("admin on every project through the cloudapi model: %v\n%s", err, d.Describe())
	}
}
