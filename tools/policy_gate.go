package tools

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// Every write that gives access asks the access policy what it grants
// (policy.Evaluate) before anything is sent; the policy alone decides
// whether that is an escalation, and any escalation needs the person's
// approval, bound to the delta's digest.

// judgeStack evaluates an Elasticsearch change against the call's target.
func judgeStack(ctx context.Context, t *toolkit.StackTarget, change policy.Change) (*policy.Delta, error) {
	d, err := policy.Evaluate(ctx, change, clusterRoles{es: t.ES})
	if err != nil {
		return nil, judgeFail(t, err)
	}
	return d, nil
}

// judgeCloud evaluates a Cloud change; note says which stack roles had to
// be judged without their definition ("" when none).
func judgeCloud(ctx context.Context, c *toolkit.Call, change policy.Change) (d *policy.Delta, note string, err error) {
	reader := newProjectRoles(c)
	d, err = policy.Evaluate(ctx, change, reader)
	if err != nil {
		return nil, "", judgeFail(nil, err)
	}
	return d, reader.note(), nil
}

func judgeFail(t *toolkit.StackTarget, err error) error {
	var re *roleReadError
	if errors.As(err, &re) {
		if t != nil {
			err = stackFail(t, re.err)
		}
		return toolkit.UpstreamFailure(err, "check that the server's credentials can read roles (read_security), then try again",
			"The role definitions needed to judge this change could not be read, so nothing was changed.")
	}
	return toolkit.InvalidArgs("the access policy cannot judge this change (%v)", err)
}

// approval is what a write asks the person: reasons that need approval
// whatever the change grants (replacing a definition, taking access away),
// and the delta, whose escalations need approval too.
type approval struct {
	target  string   // Confirmation.Target
	where   string   // the target's label
	reasons []string // "replace the existing role logs (...)"
	notes   []string // context for the person, shown only when asking
}

// approve records the delta in the report and asks the person when the
// delta escalates or a reason needs approval. The approval binds the
// delta's digest, so it no longer fits if what the call grants changed.
func approve(ctx context.Context, c *toolkit.Call, report *toolkit.WriteReport, d *policy.Delta, a approval) error {
	report.Grants = grantLines(d)
	if len(a.reasons) == 0 && !d.Escalates() {
		return nil
	}
	var b strings.Builder
	b.WriteString("On " + a.where + ": ")
	if len(a.reasons) > 0 {
		b.WriteString(strings.Join(a.reasons, "; and ") + ".")
	} else {
		b.WriteString("this change escalates access.")
	}
	b.WriteString("\n" + d.Describe())
	for _, n := range a.notes {
		if n != "" {
			b.WriteString("\n" + n)
		}
	}
	b.WriteString("\nApprove?")
	return c.Confirm(ctx, toolkit.Confirmation{Target: a.target, Message: b.String(), Grants: d.Digest()})
}

// escalationWords lists a delta's escalations in plain words, for warnings.
func escalationWords(d *policy.Delta) string {
	var out []string
	for _, g := range grantLines(d) {
		if g.Escalation {
			out = append(out, g.Words)
		}
	}
	return strings.Join(out, "; ")
}

// grantLines is the delta in the form tools report it.
func grantLines(d *policy.Delta) []toolkit.GrantLine {
	out := make([]toolkit.GrantLine, 0, len(d.Grants))
	for _, g := range d.Grants {
		one := policy.Delta{Grants: []policy.Grant{g}}
		words := one.Describe()
		if _, line, ok := strings.Cut(words, "\n- "); ok {
			words = line
		}
		capability := g.Capability.Kind
		if g.Capability.Detail != "" {
			capability += ": " + g.Capability.Detail
		}
		out = append(out, toolkit.GrantLine{Principal: g.Principal.String(), Capability: capability,
			Escalation: g.Capability.Escalation, Words: words})
	}
	return out
}

// policyAssignments converts Cloud role assignments through their JSON
// form, which the policy shares with the Cloud API.
func policyAssignments(ra *cloudapi.RoleAssignments) policy.RoleAssignments {
	var out policy.RoleAssignments
	if ra == nil {
		return out
	}
	b, _ := json.Marshal(ra)
	_ = json.Unmarshal(b, &out)
	return out
}

// withAssignments is what a principal holds after an add: its assignments
// and the added ones.
func withAssignments(held, added policy.RoleAssignments) policy.RoleAssignments {
	out := policy.RoleAssignments{
		Organization: append(slices.Clone(held.Organization), added.Organization...),
		Deployment:   append(slices.Clone(held.Deployment), added.Deployment...),
	}
	if held.Project != nil || added.Project != nil {
		p := &policy.ProjectRoleAssignments{}
		for _, src := range []*policy.ProjectRoleAssignments{held.Project, added.Project} {
			if src != nil {
				p.Elasticsearch = append(p.Elasticsearch, src.Elasticsearch...)
				p.Observability = append(p.Observability, src.Observability...)
				p.Security = append(p.Security, src.Security...)
			}
		}
		out.Project = p
	}
	return out
}
