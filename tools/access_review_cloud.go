package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// soonOrStale is how close a Cloud key's expiry, or how old a pending
// invitation, must be to be reported.
const soonOrStale = 7 * 24 * time.Hour

// cloudReview is the review of the Elastic Cloud organization.
type cloudReview struct {
	out *AccessReviewOutput
	now time.Time
}

func (r *cloudReview) add(family, principal, severity, issue, evidence, fix string, c *ToolCall) {
	r.out.Findings = append(r.out.Findings, finding("cloud", family, "organization", principal, severity, issue, evidence, fix, c))
}

func reviewCloud(ctx context.Context, c *toolkit.Call, longLived time.Duration, out *AccessReviewOutput) {
	cc := c.Env.Cloud
	r := &cloudReview{out: out, now: time.Now()}
	members, err := cc.ListMembers(ctx)
	if err != nil {
		out.Reviewed = append(out.Reviewed, "cloud members: not readable ("+toolkit.Describe(cloudErr(err, "list members")).Error()+")")
		return
	}
	out.Reviewed = append(out.Reviewed, fmt.Sprintf("cloud: %d members", len(members)))
	keys, keysErr := cc.ListAPIKeys(ctx)
	if keysErr != nil {
		out.Reviewed = append(out.Reviewed, "cloud API keys: not readable ("+toolkit.Describe(cloudErr(keysErr, "list API keys")).Error()+")")
	} else {
		out.Reviewed = append(out.Reviewed, fmt.Sprintf("cloud: %d API keys", len(keys)))
	}
	var selfUser string
	if keysErr == nil {
		if self := identifySelfKey(cc, keys); self.certain() {
			for _, k := range keys {
				if k.ID == self.ids[0] {
					selfUser = k.UserID
				}
			}
		}
	}
	r.owners(members, selfUser)
	for _, m := range members {
		r.member(m)
	}
	if inv, err := cc.ListInvitations(ctx); err != nil {
		out.Reviewed = append(out.Reviewed, "cloud invitations: not readable ("+toolkit.Describe(cloudErr(err, "list invitations")).Error()+")")
	} else {
		out.Reviewed = append(out.Reviewed, fmt.Sprintf("cloud: %d invitations", len(inv)))
		r.invitations(inv)
	}
	if keysErr == nil {
		for _, k := range keys {
			r.key(k, longLived)
		}
	}
}

func isOwner(m cloudapi.Member) bool {
	return slices.ContainsFunc(m.RoleAssignments.Organization, func(a cloudapi.OrganizationRoleAssignment) bool { return a.RoleID == "organization-admin" })
}

// owners reports an organization with a single owner, or whose only owner
// is the one whose key this server runs with.
func (r *cloudReview) owners(members []cloudapi.Member, selfUser string) {
	var owners []cloudapi.Member
	for _, m := range members {
		if isOwner(m) {
			owners = append(owners, m)
		}
	}
	var candidate string
	for _, m := range members {
		if !isOwner(m) {
			candidate = memberRef(m)
			break
		}
	}
	promote := call("assign_cloud_roles", map[string]any{"members": []string{candidate},
		"roles": []any{map[string]any{"scope": "organization", "role": "organization-admin"}}})
	if candidate == "" {
		promote = nil
	}
	switch {
	case len(owners) == 1 && owners[0].UserID == selfUser:
		r.add("cloud.owners.only_server", "member:"+memberRef(owners[0]), "high",
			"the only Organization owner is the member whose API key this server runs with: losing that key or person locks the organization",
			"organization-admin holders: "+memberRef(owners[0]), "make a trusted person a second Organization owner (the fix call names a candidate: confirm with the person)", promote)
	case len(owners) == 1:
		r.add("cloud.owners.single", "member:"+memberRef(owners[0]), "medium", "the organization has a single Organization owner",
			"organization-admin holders: "+memberRef(owners[0]), "make a trusted person a second Organization owner (the fix call names a candidate: confirm with the person)", promote)
	}
}

// member reports organization-wide stack access, admin on every project of
// a type, a custom role stacked on a predefined one, and no role at all.
func (r *cloudReview) member(m cloudapi.Member) {
	ref := memberRef(m)
	principal := "member:" + ref
	ra := &m.RoleAssignments
	if len(ra.Organization) == 0 && len(ra.Deployment) == 0 && len(ra.Project.ByType("elasticsearch"))+len(ra.Project.ByType("observability"))+len(ra.Project.ByType("security")) == 0 {
		r.add("cloud.member.no_role", principal, "low", "is a member with no role: they can sign in but do nothing, which usually means an unfinished onboarding or offboarding",
			"role_assignments: none", "give them a role, or remove them from the organization", call("remove_org_members", map[string]any{"members": []string{ref}}))
		return
	}
	for _, a := range ra.Organization {
		if len(a.ApplicationRoles) > 0 {
			r.add("cloud.member.org_stack_access", principal, "high",
				"has stack roles "+joinComma(a.ApplicationRoles)+" in every project of the organization, current and future (organization-scoped application_roles)",
				fmt.Sprintf("organization %s with application_roles %s", a.RoleID, joinComma(a.ApplicationRoles)),
				"grant stack roles per project instead",
				call("remove_cloud_roles", map[string]any{"members": []string{ref}, "roles": []any{map[string]any{"scope": "organization", "role": a.RoleID}}}))
		}
	}
	for _, pt := range cloudapi.ProjectTypes {
		entries := ra.Project.ByType(pt)
		for _, a := range entries {
			if a.All && strings.HasSuffix(a.RoleID, "-admin") {
				r.add("cloud.member.admin_all_projects", principal, "high", "is admin on every "+pt+" project, including future ones",
					fmt.Sprintf("%s with all: true", a.RoleID), "give admin on the projects they run instead",
					call("remove_cloud_roles", map[string]any{"members": []string{ref}, "roles": []any{map[string]any{"scope": "project", "role": a.RoleID, "project_type": pt, "all": true}}}))
			}
		}
		r.stacked(principal, ref, pt, entries)
	}
}

// stacked reports a project where a member holds a custom role (through
// application_roles) and a predefined role: they get the union, so the
// custom role restricts nothing.
func (r *cloudReview) stacked(principal, ref, pt string, entries []cloudapi.ProjectRoleAssignment) {
	covers := func(a cloudapi.ProjectRoleAssignment, id string) bool {
		return a.All || slices.Contains(a.ProjectIDs, id)
	}
	for _, custom := range entries {
		if len(custom.ApplicationRoles) == 0 {
			continue
		}
		for _, pre := range entries {
			if len(pre.ApplicationRoles) > 0 {
				continue
			}
			var shared []string
			for _, id := range custom.ProjectIDs {
				if covers(pre, id) {
					shared = append(shared, id)
				}
			}
			if custom.All && pre.All {
				shared = []string{"all"}
			}
			if len(shared) == 0 {
				continue
			}
			roleArgs := map[string]any{"scope": "project", "role": pre.RoleID, "project_type": pt}
			if pre.All {
				roleArgs["all"] = true
			} else {
				roleArgs["project_ids"] = shared
			}
			r.add("cloud.member.stacked_roles", principal, "medium",
				fmt.Sprintf("holds the custom role(s) %s and the predefined role %s on the same %s project(s): they get the union, so the custom role restricts nothing", joinComma(custom.ApplicationRoles), pre.RoleID, pt),
				"projects "+joinComma(shared), "remove the predefined role where the custom role should apply",
				call("remove_cloud_roles", map[string]any{"members": []string{ref}, "roles": []any{roleArgs}}))
		}
	}
}

// invitations reports invitations pending longer than a week, or expired.
func (r *cloudReview) invitations(inv []cloudapi.Invitation) {
	for _, i := range inv {
		if i.AcceptedAt != nil {
			continue
		}
		cancel := call("cancel_org_invitations", map[string]any{"emails": []string{i.Email}})
		evidence := "invited " + i.CreatedAt.UTC().Format(time.RFC3339) + ", expires " + i.ExpiresAt.UTC().Format(time.RFC3339)
		switch {
		case i.Expired || (!i.ExpiresAt.IsZero() && !i.ExpiresAt.After(r.now)):
			r.add("cloud.invitation.expired", "invitation:"+i.Email, "low", "the invitation expired without being accepted", evidence,
				"cancel it, and invite again if the person still needs access", cancel)
		case r.now.Sub(i.CreatedAt) > soonOrStale:
			r.add("cloud.invitation.stale", "invitation:"+i.Email, "low", "the invitation has been pending for more than a week", evidence,
				"ask the person to accept it, or cancel it", cancel)
		}
	}
}

// key reports Cloud API keys expiring within a week, living longer than the
// maximum (or never expiring), and keys with stack access everywhere.
func (r *cloudReview) key(k cloudapi.APIKey, longLived time.Duration) {
	principal := fmt.Sprintf("cloud_key:%s (%s)", k.Description, k.ID)
	del := call("delete_cloud_api_keys", map[string]any{"ids": []string{k.ID}})
	switch {
	case k.ExpirationDate == nil:
		r.add("cloud.key.never_expires", principal, "high", "never expires", "expiration: none",
			"create a replacement with an expiration (create_cloud_api_key), then delete this one", del)
	case !k.ExpirationDate.After(r.now):
		// Expired keys no longer work; nothing to fix.
	case k.ExpirationDate.Sub(r.now) <= soonOrStale:
		r.add("cloud.key.expiring", principal, "low", "expires within 7 days", "expires "+k.ExpirationDate.UTC().Format(time.RFC3339),
			"create its replacement before it expires (create_cloud_api_key with the same roles), then delete this one", nil)
	case k.ExpirationDate.Sub(r.now) > longLived:
		r.add("cloud.key.long_lived", principal, "medium", "lives longer than "+toolkit.FormatDuration(longLived), "expires "+k.ExpirationDate.UTC().Format(time.RFC3339),
			"replace it with a shorter-lived key, then delete this one", del)
	}
	if k.RoleAssignments == nil {
		return
	}
	var everywhere []string
	for _, a := range k.RoleAssignments.Organization {
		if len(a.ApplicationRoles) > 0 {
			everywhere = append(everywhere, "organization-wide "+joinComma(a.ApplicationRoles))
		}
	}
	for _, pt := range cloudapi.ProjectTypes {
		for _, a := range k.RoleAssignments.Project.ByType(pt) {
			if a.All && len(a.ApplicationRoles) > 0 {
				everywhere = append(everywhere, "every "+pt+" project: "+joinComma(a.ApplicationRoles))
			}
		}
	}
	if len(everywhere) > 0 {
		sev := "medium"
		if slices.ContainsFunc(everywhere, func(s string) bool { return strings.Contains(s, "admin") }) {
			sev = "high"
		}
		r.add("cloud.key.stack_everywhere", principal, sev, "has stack access in every project (of a type), current and future", strings.Join(everywhere, "; "),
			"replace it with a key whose stack access names the projects it needs, then delete this one", del)
	}
}
