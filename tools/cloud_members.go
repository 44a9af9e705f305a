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

// ListOrgMembersInput filters and pages the member list.
type ListOrgMembersInput struct {
	Email   string `json:"email,omitempty"`
	Role    string `json:"role,omitempty" jsonschema:"only holders of this Cloud or application role"`
	Project string `json:"project,omitempty" jsonschema:"only members with access to this project"`
	Limit   int    `json:"limit,omitempty" jsonschema:"page size, default 50, at most 500" validate:"omitempty,min=1,max=500"`
	Cursor  string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

// ListOrgMembersOutput is one page of members.
type ListOrgMembersOutput struct {
	Organization string       `json:"organization" jsonschema:"the organization id"`
	Members      []MemberView `json:"members"`
	Total        int          `json:"total" jsonschema:"members matching the filters"`
	NextCursor   string       `json:"next_cursor,omitempty" jsonschema:"pass as cursor to get the next page; absent on the last page"`
}

// MemberView is one member.
type MemberView struct {
	UserID      string           `json:"user_id"`
	Email       string           `json:"email,omitempty"`
	Name        string           `json:"name,omitempty"`
	MemberSince time.Time        `json:"member_since"`
	Roles       []AssignmentView `json:"roles" jsonschema:"the member's role assignments"`
}

func listOrgMembersTool() toolkit.Tool { return toolkit.Define(listOrgMembersSpec, listOrgMembers) }

var listOrgMembersSpec = toolkit.Spec{
	Name:    "list_org_members",
	Title:   "List organization members",
	Toolset: toolkit.ToolsetOrg,
	Tier:    toolkit.Read,
	Description: "List Cloud organization members and their roles. Call first for \"who has access\" and before inviting or " +
		"changing roles. Invitations: list_org_invitations.",
}

func listOrgMembers(ctx context.Context, c *toolkit.Call, in ListOrgMembersInput) (ListOrgMembersOutput, error) {
	var out ListOrgMembersOutput
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	offset, err := decodeCursor("members", in.Cursor)
	if err != nil {
		return out, err
	}
	limit := in.Limit
	if limit == 0 {
		limit = 50
	}
	org, err := cc.OrganizationID(ctx)
	if err != nil {
		return out, cloudErr(err, "find the organization")
	}
	out.Organization = org
	pi := memberProjects.index(cc)
	var project *cloudapi.Project
	if strings.TrimSpace(in.Project) != "" {
		p, err := pi.resolve(ctx, in.Project, "")
		if err != nil && pi.reused {
			// A project made or renamed since the listing was read.
			pi = memberProjects.fresh(cc)
			p, err = pi.resolve(ctx, in.Project, "")
		}
		if err != nil {
			return out, err
		}
		project = &p
	}
	page, total, err := memberPage(ctx, cc, in, project, offset, limit)
	if err != nil {
		return out, err
	}
	out.Total = total
	end := offset + len(page)
	if pi.reused && !pi.knows(page) {
		pi = memberProjects.fresh(cc) // a project made since the listing was read
	}
	out.Members = make([]MemberView, 0, len(page))
	for _, m := range page {
		ra := m.RoleAssignments
		roles := renderAssignments(ctx, &ra, pi.projectIndex)
		if roles == nil {
			roles = []AssignmentView{}
		}
		out.Members = append(out.Members, MemberView{UserID: m.UserID, Email: m.Email, Name: m.Name, MemberSince: m.MemberSince, Roles: roles})
	}
	if end < total {
		out.NextCursor = encodeCursor("members", end)
	}
	memberProjects.keep(cc, pi)
	return out, nil
}

// memberPage returns the members from offset on, at most limit, among those
// the filters match, and how many match. Without filters only the page's
// members are decoded.
func memberPage(ctx context.Context, cc *cloudapi.Client, in ListOrgMembersInput, project *cloudapi.Project, offset, limit int) ([]cloudapi.Member, int, error) {
	pastEnd := toolkit.InvalidArgs("cursor is past the end of the list; start again without cursor")
	if in.Email == "" && in.Role == "" && project == nil {
		all, err := cc.ListEncodedMembers(ctx)
		if err != nil {
			return nil, 0, cloudErr(err, "list the organization members")
		}
		if offset > len(all) {
			return nil, 0, pastEnd
		}
		page, err := all.Decode(offset, min(offset+limit, len(all)))
		if err != nil {
			return nil, 0, cloudErr(err, "list the organization members")
		}
		return page, len(all), nil
	}
	members, err := cc.ListMembers(ctx)
	if err != nil {
		return nil, 0, cloudErr(err, "list the organization members")
	}
	var matched []cloudapi.Member
	for _, m := range members {
		if memberMatches(m, in.Email, in.Role, project) {
			matched = append(matched, m)
		}
	}
	if offset > len(matched) {
		return nil, 0, pastEnd
	}
	return matched[offset:min(offset+limit, len(matched))], len(matched), nil
}

// memberProjects is the organization's project list that names the projects
// in member listings, reused for a short time like the one that resolves
// project arguments (toolkit/stack.go): paging through members, or asking
// again a moment later, listed the projects of every type each time (three
// of a warm call's four requests). A project id the listing does not know,
// or a project argument it does not name, reads the list again.
var memberProjects = memberProjectCache{recent: recent[struct{}, []cloudapi.Project]{ttl: memberProjectsTTL}}

// memberProjectsTTL bounds how long a renamed or deleted project keeps its
// old name in member listings.
const memberProjectsTTL = 30 * time.Second

type memberProjectCache struct {
	recent recent[struct{}, []cloudapi.Project]
}

// memberProjectIndex is a projectIndex that knows whether its list was
// reused from an earlier call.
type memberProjectIndex struct {
	*projectIndex
	reused bool
}

func (c *memberProjectCache) index(cc *cloudapi.Client) memberProjectIndex {
	pi := &projectIndex{client: cc}
	list, ok := c.recent.get(cc, struct{}{})
	if ok {
		pi.list, pi.loaded = list, true
	}
	return memberProjectIndex{projectIndex: pi, reused: ok}
}

// fresh forgets the remembered list, so the index lists the projects again.
func (c *memberProjectCache) fresh(cc *cloudapi.Client) memberProjectIndex {
	c.recent.forget(cc, struct{}{})
	return memberProjectIndex{projectIndex: &projectIndex{client: cc}}
}

// keep remembers a list the call read itself.
func (c *memberProjectCache) keep(cc *cloudapi.Client, pi memberProjectIndex) {
	if !pi.reused && pi.loaded {
		c.recent.put(cc, struct{}{}, pi.list)
	}
}

// knows reports whether every project the members are assigned to by id is
// in the list.
func (pi memberProjectIndex) knows(members []cloudapi.Member) bool {
	for i := range members {
		for _, t := range cloudapi.ProjectTypes {
			for _, a := range members[i].RoleAssignments.Project.ByType(t) {
				for _, id := range a.ProjectIDs {
					if !slices.ContainsFunc(pi.list, func(p cloudapi.Project) bool { return p.ID == id }) {
						return false
					}
				}
			}
		}
	}
	return true
}

// memberMatches applies the list filters.
func memberMatches(m cloudapi.Member, email, role string, project *cloudapi.Project) bool {
	if email != "" && !strings.Contains(strings.ToLower(m.Email), strings.ToLower(strings.TrimSpace(email))) {
		return false
	}
	gs := grants(&m.RoleAssignments)
	if role != "" {
		r := strings.ToLower(strings.TrimSpace(role))
		rd := strings.ReplaceAll(r, "_", "-")
		if !slices.ContainsFunc(gs, func(g grant) bool {
			return g.role == r || g.role == rd || (g.projectType != "" && g.role == g.projectType+"-"+rd) ||
				(g.scope == "deployment" && g.role == "deployment-"+rd) || slices.Contains(g.apps, role)
		}) {
			return false
		}
	}
	if project != nil {
		if !slices.ContainsFunc(gs, func(g grant) bool {
			if g.scope == "organization" {
				return g.role == "organization-admin" || len(g.apps) > 0
			}
			return g.scope == "project" && g.projectType == project.Type && (g.all || slices.Contains(g.ids, project.ID))
		}) {
			return false
		}
	}
	return true
}

// RemoveOrgMembersInput names the members to remove.
type RemoveOrgMembersInput struct {
	Members []string `json:"members" jsonschema:"member user ids or emails" validate:"required,min=1,max=50,dive,required"`
}

// RemoveOrgMembersOutput reports the removal.
type RemoveOrgMembersOutput struct {
	toolkit.WriteReport
	Removed []MemberRef `json:"removed"`
}

// MemberRef names a member.
type MemberRef struct {
	UserID string `json:"user_id"`
	Email  string `json:"email,omitempty"`
}

func removeOrgMembersTool() toolkit.Tool {
	return toolkit.Define(removeOrgMembersSpec, removeOrgMembers)
}

var removeOrgMembersSpec = toolkit.Spec{
	Name:       "remove_org_members",
	Title:      "Remove organization members",
	Toolset:    toolkit.ToolsetOrg,
	Tier:       toolkit.Destructive,
	Idempotent: true,
	Description: "Remove people from the Cloud organization, after approval: they lose every Cloud role. Some roles only: " +
		"remove_cloud_roles; keys too: offboard_person.",
}

func removeOrgMembers(ctx context.Context, c *toolkit.Call, in RemoveOrgMembersInput) (RemoveOrgMembersOutput, error) {
	var out RemoveOrgMembersOutput
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	members, err := resolveMembers(ctx, cc, in.Members)
	if err != nil {
		return out, err
	}
	if err := checkMemberRemoval(ctx, cc, members); err != nil {
		return out, err
	}
	org, err := cc.GetOrganization(ctx)
	if err != nil {
		return out, cloudErr(err, "read the organization")
	}
	ids := make([]string, 0, len(members))
	labels := make([]string, 0, len(members))
	owners := 0
	for _, m := range members {
		ids = append(ids, m.UserID)
		labels = append(labels, memberLabel(m))
		c.Target("member:" + memberLabel(m))
		out.Removed = append(out.Removed, MemberRef{UserID: m.UserID, Email: m.Email})
		if holds(&m.RoleAssignments, grant{scope: "organization", role: "organization-admin", all: true}) {
			owners++
		}
	}
	msg := fmt.Sprintf("Remove %s from the organization %s? They lose all access to it, its deployments and projects.", strings.Join(labels, ", "), org.Name)
	if owners > 0 {
		msg += " This includes an Organization owner."
		out.Warn("%d of the removed members are Organization owners; make sure another owner remains.", owners)
	}
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: "members:" + strings.Join(ids, ","), Message: msg}); err != nil {
		return out, err
	}
	if err := cc.RemoveMembers(ctx, ids); err != nil {
		return out, cloudErr(err, "remove the members")
	}
	out.Warn("Cloud API keys created by the removed members keep working until they expire; review them with list_cloud_api_keys.")
	return out, nil
}
