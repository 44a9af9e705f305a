package tools

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// OffboardPersonInput names the person.
type OffboardPersonInput struct {
	Identity   string `json:"identity" jsonschema:"the person's email or Elasticsearch username" validate:"required,max=320"`
	NativeUser string `json:"native_user,omitempty" jsonschema:"native users: disable (default) or delete" validate:"omitempty,oneof=disable delete"`
}

// OffboardStep is one step of the plan and what became of it.
type OffboardStep struct {
	Plane  string `json:"plane" jsonschema:"cloud or elasticsearch"`
	Action string `json:"action" jsonschema:"delete_cloud_api_key, cancel_invitation, remove_member, invalidate_es_api_key, disable_user or delete_user"`
	Target string `json:"target"`
	Status string `json:"status" jsonschema:"planned (dry run), done, failed, or not_run (the call stopped first)"`
	Error  string `json:"error,omitempty"`
}

// OffboardPersonOutput is the plan and its report.
type OffboardPersonOutput struct {
	toolkit.WriteReport
	Identity string         `json:"identity"`
	Outcome  string         `json:"outcome" jsonschema:"complete, partial (some steps failed or did not run: see remaining), planned (dry run) or nothing_found"`
	Steps    []OffboardStep `json:"steps"`
	// Remaining are the steps still to do after a partial run.
	Remaining []string `json:"remaining,omitempty" jsonschema:"what still gives the person access; retry the call or do these by hand"`
	Checked   []string `json:"checked" jsonschema:"what was searched, and what could not be"`

	tokens map[string]string // invitation token -> email, never shown
	run    []func(context.Context) error
}

// ScrubPlan keeps invitation tokens out of a dry run's planned requests.
func (o *OffboardPersonOutput) ScrubPlan(reqs []toolkit.PlannedRequest) {
	for i := range reqs {
		for tok, email := range o.tokens {
			reqs[i].URL = strings.ReplaceAll(reqs[i].URL, url.PathEscape(tok), "<invitation token of "+email+">")
			reqs[i].URL = strings.ReplaceAll(reqs[i].URL, tok, "<invitation token of "+email+">")
		}
	}
}

func offboardPersonTool() toolkit.Tool { return toolkit.Define(offboardPersonSpec, offboardPerson) }

var offboardPersonSpec = toolkit.Spec{
	Name:    "offboard_person",
	Title:   "Offboard a person",
	Toolset: toolkit.ToolsetDiagnostics,
	Tier:    toolkit.Destructive,
	Description: "Remove a leaving person's access on both planes in one plan, approved once: Cloud keys, invitations, " +
		"membership; Elasticsearch keys, native users. Dry-run first.",
}

func offboardPerson(ctx context.Context, c *toolkit.Call, in OffboardPersonInput) (OffboardPersonOutput, error) {
	who := strings.TrimSpace(in.Identity)
	out := OffboardPersonOutput{Identity: who, Steps: []OffboardStep{}, Checked: []string{}, tokens: map[string]string{}}
	if who == "" || strings.ContainsAny(who, " \t\n*,") {
		return out, toolkit.InvalidArgs("identity must be one email or username, without spaces, commas or wildcards")
	}
	mode := in.NativeUser
	if mode == "" {
		mode = "disable"
	}
	if !c.Env.Configured(toolkit.PlaneCloud) && !c.Env.Configured(toolkit.PlaneElasticsearch) {
		return out, toolkit.Unavailable("set EC_API_KEY and/or ELASTICSEARCH_URL with credentials", "Neither Elastic Cloud nor Elasticsearch is configured.")
	}
	c.Target("person:" + who)
	if c.Env.Configured(toolkit.PlaneCloud) {
		if err := planCloudOffboarding(ctx, c, who, &out); err != nil {
			return out, err
		}
	} else {
		out.Checked = append(out.Checked, "Elastic Cloud: not configured")
	}
	var users []policy.UserChange
	if c.Env.Configured(toolkit.PlaneElasticsearch) {
		var err error
		if users, err = planStackOffboarding(ctx, c, who, mode, &out); err != nil {
			return out, err
		}
	} else {
		out.Checked = append(out.Checked, "Elasticsearch: not configured")
	}
	if len(out.Steps) == 0 {
		out.Outcome = "nothing_found"
		return out, nil
	}
	msg, err := offboardMessage(ctx, c, who, users, &out)
	if err != nil {
		return out, err
	}
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: "person:" + who, Message: msg}); err != nil {
		return out, err
	}
	runOffboarding(ctx, c, &out)
	return out, nil
}

// step adds a step and the call that does it.
func (o *OffboardPersonOutput) step(plane, action, target string, do func(context.Context) error) {
	o.Steps = append(o.Steps, OffboardStep{Plane: plane, Action: action, Target: target, Status: "planned"})
	o.run = append(o.run, do)
}

// planCloudOffboarding finds the person's Cloud API keys, invitations and
// membership by email. Credentials go first: a key outlives its member.
func planCloudOffboarding(ctx context.Context, c *toolkit.Call, email string, out *OffboardPersonOutput) error {
	cc, err := cloudClient(c)
	if err != nil {
		return err
	}
	members, err := cc.ListMembers(ctx)
	if err != nil {
		return cloudErr(err, "list the organization members")
	}
	var member *cloudapi.Member
	for i, m := range members {
		if strings.EqualFold(m.Email, email) {
			member = &members[i]
		}
	}
	invs, err := cc.ListInvitations(ctx)
	if err != nil {
		return cloudErr(err, "list the organization invitations")
	}
	if member != nil {
		keys, err := cc.ListAPIKeys(ctx)
		if err != nil {
			return cloudErr(err, "list the Cloud API keys")
		}
		for _, k := range keys {
			if k.UserID != member.UserID {
				continue
			}
			if k.ID == cc.APIKeyID() {
				return toolkit.Refused("offboard this person with another organization admin's key configured as EC_API_KEY",
					"%s owns the Cloud API key this server runs with; offboarding them would cut the server off mid-way.", email)
			}
			id := k.ID
			out.step("cloud", "delete_cloud_api_key", fmt.Sprintf("%s (%s)", k.Description, id), func(ctx context.Context) error {
				return cc.DeleteAPIKeys(ctx, []string{id})
			})
		}
		out.Checked = append(out.Checked, "Elastic Cloud: member "+member.Email+" and the Cloud API keys the API lists as theirs")
	} else {
		out.Checked = append(out.Checked, "Elastic Cloud: no member with email "+email)
	}
	for _, inv := range invs {
		if !strings.EqualFold(inv.Email, email) || inv.AcceptedAt != nil {
			continue
		}
		tok := inv.Token
		out.tokens[tok] = inv.Email
		out.step("cloud", "cancel_invitation", "invitation of "+inv.Email+" (expires "+inv.ExpiresAt.UTC().Format("2006-01-02")+")", func(ctx context.Context) error {
			return cc.DeleteInvitations(ctx, []string{tok})
		})
	}
	if member != nil {
		id := member.UserID
		out.step("cloud", "remove_member", member.Email+" ("+id+")", func(ctx context.Context) error {
			return cc.RemoveMembers(ctx, []string{id})
		})
	}
	return nil
}

// planStackOffboarding finds native users named or addressed identity, and
// the API keys they own, on the configured Elasticsearch.
func planStackOffboarding(ctx context.Context, c *toolkit.Call, identity, mode string, out *OffboardPersonOutput) ([]policy.UserChange, error) {
	t, ctx, err := esTarget(ctx, c, "")
	if err != nil {
		return nil, err
	}
	var names []string
	var changes []policy.UserChange
	enabled := map[string]bool{}
	if t.Flavor(ctx) == esapi.FlavorServerless {
		out.Checked = append(out.Checked, "Elasticsearch: Serverless has no native users")
	} else {
		users, err := t.ES.GetUsers(ctx)
		if err != nil {
			return nil, stackFail(t, err)
		}
		for _, name := range esapi.SortedKeys(users) {
			u := users[name]
			if name == identity || (u.Email != nil && strings.EqualFold(*u.Email, identity)) {
				names = append(names, name)
				enabled[name] = u.Enabled
				changes = append(changes, policy.UserChange{Username: name, Exists: true, OldRoles: u.Roles, OldEnabled: u.Enabled,
					NewRoles: u.Roles, NewEnabled: false})
			}
		}
		out.Checked = append(out.Checked, fmt.Sprintf("Elasticsearch at %s: native users named %s or with that email (%d found)", t.ES.URL(), identity, len(names)))
	}
	// Keys are owned by usernames: the native users found, and the identity
	// itself, which a user of another realm (SAML, LDAP) may log in with.
	owners := append([]string(nil), names...)
	if !slices.Contains(owners, identity) {
		owners = append(owners, identity)
	}
	if len(owners) > 0 {
		self, err := esSelfKeyID(ctx, t)
		if err != nil {
			return nil, stackFail(t, err)
		}
		res, err := t.ES.QueryAPIKeys(ctx, map[string]any{"size": 1000, "query": map[string]any{"bool": map[string]any{"filter": []any{
			map[string]any{"terms": map[string]any{"username": owners}},
			map[string]any{"term": map[string]any{"invalidated": false}},
		}}}})
		if err != nil {
			return nil, stackFail(t, err)
		}
		for _, k := range res.APIKeys {
			if k.ID == self {
				return nil, toolkit.Refused("offboard this person with another credential configured for Elasticsearch",
					"%s owns the API key this server runs with; invalidating it would cut the server off mid-way.", k.Username)
			}
			id := k.ID
			out.step("elasticsearch", "invalidate_es_api_key", fmt.Sprintf("%s (%s) of %s", k.Name, id, k.Username), func(ctx context.Context) error {
				_, err := t.ES.InvalidateAPIKeys(ctx, esapi.InvalidateAPIKeysRequest{IDs: []string{id}})
				return stackFail(t, err)
			})
		}
		out.Checked = append(out.Checked, "Elasticsearch API keys owned by "+strings.Join(owners, ", "))
	}
	for _, name := range names {
		name := name
		if mode == "disable" && !enabled[name] {
			continue // already disabled: nothing to do
		}
		if mode == "delete" {
			out.step("elasticsearch", "delete_user", name, func(ctx context.Context) error {
				_, err := t.ES.DeleteUser(ctx, name)
				return stackFail(t, err)
			})
		} else {
			out.step("elasticsearch", "disable_user", name, func(ctx context.Context) error {
				return stackFail(t, t.ES.SetUserEnabled(ctx, name, false))
			})
		}
	}
	return changes, nil
}

// offboardMessage is the one approval of the whole plan. The access policy
// judges the user changes: offboarding should only take access away, and
// anything it says is gained is shown.
func offboardMessage(ctx context.Context, c *toolkit.Call, who string, users []policy.UserChange, out *OffboardPersonOutput) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "Offboard %s: %d steps, in this order:", who, len(out.Steps))
	for _, s := range out.Steps {
		fmt.Fprintf(&b, "\n- %s: %s %s", s.Plane, strings.ReplaceAll(s.Action, "_", " "), s.Target)
	}
	if len(users) > 0 {
		t, ctx, err := esTarget(ctx, c, "")
		if err != nil {
			return "", err
		}
		d, err := policy.Evaluate(ctx, policy.Change{Users: users}, clusterRoles{es: t.ES})
		if err != nil {
			return "", toolkit.UpstreamFailure(err, "check that the server's credentials can read roles (read_security), then try again",
				"The access policy could not judge the change, so nothing was changed.")
		}
		if d.Escalates() {
			b.WriteString("\nThe access policy reports that this escalates access:\n" + d.Describe())
		}
	}
	b.WriteString("\nKeys are revoked at once; removed members lose every Cloud role. Approve?")
	return b.String(), nil
}

// runOffboarding does every step in order and reports each. A failed step
// does not stop the others (each removes access on its own), but a
// cancelled call stops before the next upstream request.
func runOffboarding(ctx context.Context, c *toolkit.Call, out *OffboardPersonOutput) {
	total := len(out.Steps)
	for i := range out.Steps {
		s := &out.Steps[i]
		if ctx.Err() != nil {
			s.Status = "not_run"
			continue
		}
		if err := out.run[i](ctx); err != nil {
			s.Status, s.Error = "failed", toolkit.Describe(err).Error()
			c.Log(ctx, "warning", "offboarding step failed: "+s.Action+" "+s.Target)
		} else if c.DryRun() {
			s.Status = "planned"
		} else {
			s.Status = "done"
		}
		c.Progress(ctx, i+1, total, s.Action+" "+s.Target)
	}
	out.Outcome = "complete"
	if c.DryRun() {
		out.Outcome = "planned"
	}
	for _, s := range out.Steps {
		if s.Status == "failed" || s.Status == "not_run" {
			out.Outcome = "partial"
			out.Remaining = append(out.Remaining, s.Plane+": "+strings.ReplaceAll(s.Action, "_", " ")+" "+s.Target)
		}
	}
	if out.Outcome == "partial" {
		out.Warn("%d of %d steps did not complete; the person keeps the access listed in remaining", len(out.Remaining), total)
	}
}
