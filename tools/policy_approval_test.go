package tools_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/mcp"
)

// Changes that grant nothing superuser-like go through without a prompt,
// even with a client that would decline one.
func TestNonEscalatingChangesNeedNoPrompt(t *testing.T) {
	cases := []escalationCase{
		{name: "create_user viewer", tool: "create_user",
			args: fixed(map[string]any{"username": "newbie", "roles": list("viewer")}), state: userState("newbie"), want: "viewer"},
		{name: "update_user add a read-only role", tool: "update_user",
			args: fixed(map[string]any{"username": "auditor", "add_roles": list("logs-reader")}), state: userState("auditor"), want: "logs-reader"},
		{name: "put_role read-only on logs-*", tool: "put_role",
			args:  fixed(roleArgs("logs-ro", map[string]any{"cluster": list("monitor"), "indices": list2(idx(list("logs-*"), "read", "view_index_metadata"))})),
			state: roleState("logs-ro"), want: "logs-*"},
		{name: "put_role_mapping to viewer", tool: "put_role_mapping",
			args: fixed(mappingArgs("viewers", map[string]any{"roles": list("viewer")})), state: mappingState("viewers"), want: "viewer"},
		{name: "create_es_api_key limited to metrics-*", tool: "create_es_api_key",
			args: fixed(keyArgs("metrics-key", map[string]any{"indices": list2(idx(list("metrics-*"), "read"))})), state: keyState("metrics-key"), want: "metrics-*"},
		{name: "assign_cloud_roles viewer on one project", tool: "assign_cloud_roles",
			args:  fixed(assignArgs(cloudemu.DemoBobEmail, cloudRole("project", "viewer", map[string]any{"project_ids": list("search-demo")}))),
			state: memberState(cloudemu.DemoBobEmail), want: "elasticsearch-viewer"},
		{name: "invite_org_members viewer on one project", tool: "invite_org_members",
			args:  fixed(map[string]any{"emails": list("newbie@example.com"), "roles": list2(cloudRole("project", "viewer", map[string]any{"project_ids": list("search-demo")}))}),
			state: invitationState("newbie@example.com"), want: "elasticsearch-viewer"},
		{name: "assign_project_custom_role a read-only custom role", tool: "assign_project_custom_role",
			args:  fixed(map[string]any{"member": cloudemu.DemoCarolEmail, "project": "obs-demo", "custom_role": "logs-reader"}),
			state: memberState(cloudemu.DemoCarolEmail), want: "logs-reader"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &prompts{action: mcp.ElicitationResponseActionDecline}
			h := servertest.New(t, policyOpts(p.answer))
			before := tc.state(t, h)
			out := h.CallOK(t, tc.tool, tc.args(h))
			if asked := p.seen(); len(asked) != 0 {
				t.Fatalf("a harmless change asked: %q", asked)
			}
			if after := tc.state(t, h); after == before || !strings.Contains(after, tc.want) {
				t.Fatalf("not applied: %s", after)
			}
			for _, g := range asList(out["grants"]) {
				if asMap(g)["escalation"] == true {
					t.Fatalf("an escalation reported: %s", dump(out["grants"]))
				}
			}
		})
	}
}

// An approval covers what the prompt showed. If a mapped role became
// superuser-like between the prompt and the answer, the approval does not
// apply: the person is asked again, saying what changed.
func TestApprovalRedeemedAfterTheRoleBecameSuperuserLikeIsAskedAgain(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	var h *servertest.Harness
	answer := func(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
		mu.Lock()
		asked = append(asked, req.Params.Message)
		n := len(asked)
		mu.Unlock()
		if n == 1 {
			// Meanwhile, someone redefines the mapped role.
			if _, err := esAdmin(t, h).PutRole(ctx, "logs-reader", esapi.RoleDescriptor{Cluster: []string{"all"}}); err != nil {
				return nil, err
			}
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept,
				Content: map[string]any{"confirm": true}}}, nil
		}
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
	}
	h = servertest.New(t, policyOpts(answer))
	state := mappingState("ldap-readers")
	before := state(t, h)
	res := h.Call(t, "put_role_mapping", map[string]any{"name": "ldap-readers", "enabled": true, "roles": list("logs-reader"),
		"rules": map[string]any{"field": map[string]any{"realm.name": "ldap1"}}})
	if !res.IsError {
		t.Fatalf("applied on an approval of something else: %s", servertest.Text(res))
	}
	if len(asked) != 2 {
		t.Fatalf("want the first prompt and a new one, got %q", asked)
	}
	if strings.Contains(asked[0], "Escalations:") {
		t.Fatalf("the first prompt (a plain replacement) showed an escalation: %q", asked[0])
	}
	mustContain(t, asked[1], "different from what was approved", "Escalations:", "logs-reader")
	if after := state(t, h); after != before {
		t.Fatalf("mapping changed: %s", after)
	}
}

// An accept that carries no explicit confirm: true is no approval.
func TestAcceptWithoutContentIsNoApproval(t *testing.T) {
	bare := func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}, nil
	}
	h := servertest.New(t, policyOpts(bare))
	mustContain(t, h.CallErr(t, "update_user", map[string]any{"username": "alice", "add_roles": list("superuser")}), "did not approve")
	if u, _ := esReadUser(t, h, "alice"); strings.Contains(strings.Join(u.Roles, ","), "superuser") {
		t.Fatalf("alice = %v", u.Roles)
	}
}

// A dry run reports what the change would grant, escalations marked, without
// asking and without changing anything.
func TestDryRunReportsTheGrants(t *testing.T) {
	p := &prompts{action: mcp.ElicitationResponseActionDecline}
	h := servertest.New(t, policyOpts(p.answer))
	out := h.CallOK(t, "put_role_mapping", map[string]any{"name": "m1", "enabled": true, "dry_run": true,
		"role_templates": list2(map[string]any{"template": map[string]any{"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"}),
		"rules":          samlRule})
	if len(p.seen()) != 0 || out["dry_run"] != true {
		t.Fatalf("dry run asked or was not a dry run: %s", dump(out))
	}
	var esc []map[string]any
	for _, g := range asList(out["grants"]) {
		if asMap(g)["escalation"] == true {
			esc = append(esc, asMap(g))
		}
	}
	if len(esc) == 0 {
		t.Fatalf("no escalation in the dry-run grants: %s", dump(out))
	}
	mustContain(t, dump(esc), `"principal":"role mapping m1`, "any_role", "can produce any role")
	if got := mappingState("m1")(t, h); got != "absent" {
		t.Fatalf("dry run wrote the mapping: %s", got)
	}
}
