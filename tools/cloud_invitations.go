package tools

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// ListOrgInvitationsInput filters the invitation list.
type ListOrgInvitationsInput struct {
	Email string `json:"email,omitempty"`
}

// ListOrgInvitationsOutput lists invitations, never their tokens.
type ListOrgInvitationsOutput struct {
	Invitations []InvitationView `json:"invitations"`
}

// InvitationView is one invitation without its secret token.
type InvitationView struct {
	Email     string           `json:"email"`
	Roles     []AssignmentView `json:"roles,omitempty" jsonschema:"the roles granted on acceptance"`
	CreatedAt time.Time        `json:"created_at"`
	ExpiresAt time.Time        `json:"expires_at"`
	Expired   bool             `json:"expired"`
}

func listOrgInvitationsTool() toolkit.Tool {
	return toolkit.Define(listOrgInvitationsSpec, listOrgInvitations)
}

var listOrgInvitationsSpec = toolkit.Spec{
	Name:        "list_org_invitations",
	Title:       "List organization invitations",
	Toolset:     toolkit.ToolsetOrg,
	Tier:        toolkit.Read,
	Description: "List open organization invitations (email, roles, expiry; never tokens). Call before inviting someone again.",
}

func listOrgInvitations(ctx context.Context, c *toolkit.Call, in ListOrgInvitationsInput) (ListOrgInvitationsOutput, error) {
	out := ListOrgInvitationsOutput{Invitations: []InvitationView{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	invs, err := cc.ListInvitations(ctx)
	if err != nil {
		return out, cloudErr(err, "list the invitations")
	}
	pi := &projectIndex{client: cc}
	f := strings.ToLower(strings.TrimSpace(in.Email))
	for _, inv := range invs {
		if f != "" && !strings.Contains(strings.ToLower(inv.Email), f) {
			continue
		}
		out.Invitations = append(out.Invitations, viewInvitation(ctx, inv, pi))
	}
	return out, nil
}

func viewInvitation(ctx context.Context, inv cloudapi.Invitation, pi *projectIndex) InvitationView {
	return InvitationView{Email: inv.Email, Roles: renderAssignments(ctx, inv.RoleAssignments, pi),
		CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt, Expired: inv.Expired || (!inv.ExpiresAt.IsZero() && time.Now().After(inv.ExpiresAt))}
}

// InviteOrgMembersInput invites people with roles.
type InviteOrgMembersInput struct {
	Emails    []string              `json:"emails" validate:"required,min=1,max=50,dive,required,email"`
	Roles     []RoleAssignmentInput `json:"roles,omitempty" jsonschema:"roles on acceptance; none before a custom project role" validate:"omitempty,max=20,dive"`
	ExpiresIn string                `json:"expires_in,omitempty" jsonschema:"e.g. 72h (default) or 7d" validate:"omitempty,duration"`
}

// InviteOrgMembersOutput reports who was invited and who was not, and why.
type InviteOrgMembersOutput struct {
	toolkit.WriteReport
	Invited        []InvitationView `json:"invited" jsonschema:"the invitations sent (on a dry run, the planned ones)"`
	AlreadyMembers []MemberRef      `json:"already_members,omitempty" jsonschema:"people who are already members and were not invited; give them roles with assign_cloud_roles"`
	AlreadyInvited []InvitationView `json:"already_invited,omitempty" jsonschema:"people with a pending invitation, not invited again"`
}

func inviteOrgMembersTool() toolkit.Tool {
	return toolkit.Define(inviteOrgMembersSpec, inviteOrgMembers)
}

var inviteOrgMembersSpec = toolkit.Spec{
	Name:    "invite_org_members",
	Title:   "Invite people to the organization",
	Toolset: toolkit.ToolsetOrg,
	Tier:    toolkit.Write,
	Description: "Invite people by email to the Cloud organization with roles on acceptance; members and pending invitees are " +
		"reported, not re-invited. Custom project role: invite without roles, then assign_project_custom_role.",
}

func inviteOrgMembers(ctx context.Context, c *toolkit.Call, in InviteOrgMembersInput) (InviteOrgMembersOutput, error) {
	out := InviteOrgMembersOutput{Invited: []InvitationView{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	emails, err := plainEmails(in.Emails)
	if err != nil {
		return out, err
	}
	_, pi, tr, err := orgAssignments(ctx, cc, in.Roles)
	if err != nil {
		return out, err
	}
	members, err := cc.ListMembers(ctx)
	if err != nil {
		return out, cloudErr(err, "list the organization members")
	}
	invs, err := cc.ListInvitations(ctx)
	if err != nil {
		return out, cloudErr(err, "list the invitations")
	}
	send := newInvitees(ctx, emails, members, invs, pi, &out)
	if len(send) == 0 {
		return out, nil
	}
	checkCustomRoles(ctx, cc, tr.customChecks, out.Warn)
	var change policy.Change
	for _, e := range send {
		change.Cloud = append(change.Cloud, policy.CloudChange{Kind: "cloud_invitation", Name: e, New: policyAssignments(&tr.ra)})
	}
	delta, note, err := judgeCloud(ctx, c, change)
	if err != nil {
		return out, err
	}
	if err := approve(ctx, c, &out.WriteReport, delta, approval{target: "invite:" + strings.Join(send, ","),
		where: "the Elastic Cloud organization", notes: []string{note}}); err != nil {
		return out, err
	}
	for _, e := range send {
		c.Target("invitation:" + e)
	}
	req := cloudapi.InvitationRequest{Emails: send, ExpiresIn: in.ExpiresIn}
	if !tr.ra.IsEmpty() {
		ra := tr.ra
		req.RoleAssignments = &ra
	}
	created, err := cc.CreateInvitations(ctx, req)
	if err != nil {
		return out, cloudErr(err, "invite "+strings.Join(send, ", "))
	}
	if c.DryRun() || len(created) == 0 {
		// The dry-run transport answers {}: show the planned invitations.
		for _, e := range send {
			out.Invited = append(out.Invited, InvitationView{Email: e, Roles: renderAssignments(ctx, req.RoleAssignments, pi)})
		}
		return out, nil
	}
	for _, inv := range created {
		out.Invited = append(out.Invited, viewInvitation(ctx, inv, pi)) // the token stays here
	}
	return out, nil
}

// plainEmails checks that every entry is a plain email address and drops
// duplicates (case-insensitively).
func plainEmails(in []string) ([]string, error) {
	var emails []string
	for _, e := range in {
		addr, err := mail.ParseAddress(strings.TrimSpace(e))
		if err != nil || addr.Address != strings.TrimSpace(e) {
			return nil, toolkit.InvalidArgs("emails: %q is not a plain email address", e)
		}
		if !slices.ContainsFunc(emails, func(x string) bool { return strings.EqualFold(x, addr.Address) }) {
			emails = append(emails, addr.Address)
		}
	}
	return emails, nil
}

// newInvitees returns the emails to invite: neither members nor holders of
// a pending invitation, which out reports (with a warning) instead.
func newInvitees(ctx context.Context, emails []string, members []cloudapi.Member, invs []cloudapi.Invitation, pi *projectIndex, out *InviteOrgMembersOutput) []string {
	mi := memberIndex{members}
	var send []string
	for _, e := range emails {
		if m, ok := mi.find(e); ok {
			out.AlreadyMembers = append(out.AlreadyMembers, MemberRef{UserID: m.UserID, Email: m.Email})
			continue
		}
		i := slices.IndexFunc(invs, func(inv cloudapi.Invitation) bool {
			return strings.EqualFold(inv.Email, e) && !inv.Expired && inv.AcceptedAt == nil && time.Now().Before(inv.ExpiresAt)
		})
		if i >= 0 {
			out.AlreadyInvited = append(out.AlreadyInvited, viewInvitation(ctx, invs[i], pi))
			continue
		}
		send = append(send, e)
	}
	if len(out.AlreadyMembers) > 0 {
		out.Warn("Already members, not invited: %s. To give them roles, call assign_cloud_roles.", joinRefs(out.AlreadyMembers))
	}
	if len(out.AlreadyInvited) > 0 {
		var es []string
		for _, v := range out.AlreadyInvited {
			es = append(es, v.Email)
		}
		out.Warn("Already invited (pending), not invited again: %s. To change the roles, cancel_org_invitations and invite again.", strings.Join(es, ", "))
	}
	return send
}

func joinRefs(refs []MemberRef) string {
	s := make([]string, 0, len(refs))
	for _, r := range refs {
		if r.Email != "" {
			s = append(s, r.Email)
		} else {
			s = append(s, r.UserID)
		}
	}
	return strings.Join(s, ", ")
}

// CancelOrgInvitationsInput names invitations by email.
type CancelOrgInvitationsInput struct {
	Emails []string `json:"emails" validate:"required,min=1,max=50,dive,required"`
}

// CancelOrgInvitationsOutput reports the cancellation.
type CancelOrgInvitationsOutput struct {
	toolkit.WriteReport
	Cancelled []string `json:"cancelled" jsonschema:"emails whose invitations were cancelled"`
	NotFound  []string `json:"not_found,omitempty" jsonschema:"emails with no open invitation"`

	// tokens maps each invitation token to its email, so that a dry run's
	// planned request shows which invitation it cancels but not the token.
	tokens map[string]string
}

// ScrubPlan replaces the invitation tokens in the planned requests' URLs:
// the tokens are secrets that never leave the server.
func (o *CancelOrgInvitationsOutput) ScrubPlan(reqs []toolkit.PlannedRequest) {
	for i := range reqs {
		for tok, email := range o.tokens {
			reqs[i].URL = strings.ReplaceAll(reqs[i].URL, url.PathEscape(tok), "<invitation token of "+email+">")
			reqs[i].URL = strings.ReplaceAll(reqs[i].URL, tok, "<invitation token of "+email+">")
		}
	}
}

func cancelOrgInvitationsTool() toolkit.Tool {
	return toolkit.Define(cancelOrgInvitationsSpec, cancelOrgInvitations)
}

var cancelOrgInvitationsSpec = toolkit.Spec{
	Name:        "cancel_org_invitations",
	Title:       "Cancel organization invitations",
	Toolset:     toolkit.ToolsetOrg,
	Tier:        toolkit.Destructive,
	Idempotent:  true,
	Description: "Cancel open organization invitations by email, after approval. Use before re-inviting with other roles.",
}

func cancelOrgInvitations(ctx context.Context, c *toolkit.Call, in CancelOrgInvitationsInput) (CancelOrgInvitationsOutput, error) {
	out := CancelOrgInvitationsOutput{Cancelled: []string{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	invs, err := cc.ListInvitations(ctx)
	if err != nil {
		return out, cloudErr(err, "list the invitations")
	}
	var tokens []string
	out.tokens = map[string]string{}
	for _, e := range in.Emails {
		e = strings.TrimSpace(e)
		found := false
		for _, inv := range invs {
			if strings.EqualFold(inv.Email, e) && inv.AcceptedAt == nil && inv.Token != "" {
				tokens = append(tokens, inv.Token)
				out.tokens[inv.Token] = inv.Email
				// Belt and braces: the redactor scrubs it from anything printed.
				redact.Default().Remember(inv.Token)
				found = true
			}
		}
		if found {
			out.Cancelled = append(out.Cancelled, e)
			c.Target("invitation:" + e)
		} else {
			out.NotFound = append(out.NotFound, e)
		}
	}
	if len(tokens) == 0 {
		return out, &toolkit.Error{Kind: toolkit.KindInvalidArguments, Message: fmt.Sprintf("Invalid arguments: no open invitation for %s.", strings.Join(in.Emails, ", ")),
			Next: "call list_org_invitations to see the open invitations; accepted invitations are members (remove_org_members)"}
	}
	if len(out.NotFound) > 0 {
		out.Warn("No open invitation for %s.", strings.Join(out.NotFound, ", "))
	}
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: "invitations:" + strings.Join(out.Cancelled, ","),
		Message: fmt.Sprintf("Cancel the invitations of %s? The links they received stop working.", strings.Join(out.Cancelled, ", "))}); err != nil {
		return out, err
	}
	if err := cc.DeleteInvitations(ctx, tokens); err != nil {
		return out, cloudErr(err, "cancel the invitations")
	}
	return out, nil
}
