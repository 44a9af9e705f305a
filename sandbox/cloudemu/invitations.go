package cloudemu

import (
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// defaultInvitationTTL is the documented default: invitees have 72 hours.
const defaultInvitationTTL = 72 * time.Hour

func (e *Emulator) renderInvitation(inv *invitation, now time.Time) OrganizationInvitation {
	out := OrganizationInvitation{
		Token:     inv.token,
		Email:     inv.email,
		CreatedAt: inv.createdAt,
		ExpiresAt: inv.expiresAt,
		Expired:   inv.expired(now),
	}
	if org := e.orgs[inv.orgID]; org != nil {
		out.Organization = org.render()
	} else {
		out.Organization = Organization{ID: inv.orgID, Name: inv.orgID}
	}
	if inv.acceptedAt != nil {
		t := *inv.acceptedAt
		out.AcceptedAt = &t
	}
	if inv.hasRA {
		ra := inv.ra.Clone()
		out.RoleAssignments = &ra
	}
	return out
}

func (inv *invitation) expired(now time.Time) bool { return !now.Before(inv.expiresAt) }

// open reports whether the invitation can still be accepted.
func (inv *invitation) open(now time.Time) bool { return inv.acceptedAt == nil && !inv.expired(now) }

// POST /organizations/{id}/invitations creates one invitation per email,
// owner only. The request is all or nothing: every email is checked before
// any invitation is created.
func (e *Emulator) createInvitations(c *call) reply {
	id := c.param("organization_id")
	org := e.orgs[id]
	switch {
	case org == nil:
		return fail(http.StatusNotFound, codeOrgNotFound, "Organization ["+id+"] not found")
	case org.id != c.key.orgID:
		return fail(http.StatusNotFound, codeNotSender, "Invitation sender does not belong to organization ["+id+"]")
	case !c.key.isOrgAdmin():
		return fail(http.StatusForbidden, codeInvalidAuth, "The current user authentication is not valid: only organization owners (organization-admin) can invite members")
	}
	var req OrganizationInvitationRequest
	if err := decodeBody(c, &req, true); err != nil {
		return fail(http.StatusBadRequest, codeInvalidData, err.Error())
	}
	if len(req.Emails) == 0 {
		return fail(http.StatusBadRequest, codeInvalidData, "emails must list at least one address", "emails")
	}
	expiresAt, err := invitationExpiry(req.ExpiresIn, c.now)
	if err != nil {
		return fail(http.StatusBadRequest, codeInvalidData, err.Error(), "expires_in")
	}
	var ra RoleAssignments
	if req.RoleAssignments != nil {
		var p *raProblem
		if ra, p = normalize(*req.RoleAssignments, org.id, "role_assignments.", e.opts.StrictRoleIDs); p != nil {
			return assignmentProblem(p, forInvitation)
		}
	}

	var emails []string
	for _, raw := range req.Emails {
		addr, okAddr := validEmail(raw)
		if !okAddr {
			return fail(http.StatusBadRequest, codeInvalidEmail, "Invitation email ["+raw+"] was not valid", "emails")
		}
		if slices.ContainsFunc(emails, func(s string) bool { return strings.EqualFold(s, addr) }) {
			continue
		}
		if u := e.userByEmail(addr); u != nil && u.orgID == org.id {
			return fail(http.StatusBadRequest, codeAlreadyBelongs, "User ["+addr+"] already belongs to organization", "emails")
		}
		if inv := e.openInvitation(org.id, addr, c.now); inv != nil && !e.opts.RefreshInvitations {
			return fail(http.StatusBadRequest, codeInviteExists, "Invitation already sent to ["+addr+"]", "emails")
		}
		emails = append(emails, addr)
	}

	out := OrganizationInvitations{Invitations: []OrganizationInvitation{}}
	for _, addr := range emails {
		inv := e.openInvitation(org.id, addr, c.now)
		if inv == nil {
			// An expired invitation for the same email is replaced.
			e.dropInvitations(org.id, addr)
			inv = &invitation{token: e.uniqueToken(), email: addr, orgID: org.id, createdAt: c.now}
			e.invitations[inv.token] = inv
		}
		// A refresh keeps the token and renews expiry and roles.
		inv.expiresAt = expiresAt
		inv.ra, inv.hasRA = ra.Clone(), req.RoleAssignments != nil
		out.Invitations = append(out.Invitations, e.renderInvitation(inv, c.now))
	}
	return ok(http.StatusCreated, out)
}

// invitationExpiry reads expires_in. Every real client sends a duration
// ("7d", "72h"), although the spec text calls it a date and time; a future
// RFC 3339 timestamp is accepted too, so both readings work.
func invitationExpiry(expiresIn string, now time.Time) (time.Time, error) {
	if strings.TrimSpace(expiresIn) == "" {
		return now.Add(defaultInvitationTTL), nil
	}
	if t, err := time.Parse(time.RFC3339, expiresIn); err == nil {
		if !t.After(now) {
			return time.Time{}, fmt.Errorf("expires_in [%s] is in the past", expiresIn)
		}
		return t.UTC().Truncate(time.Second), nil
	}
	d, err := parseDurationSpec(expiresIn)
	if err != nil {
		return time.Time{}, fmt.Errorf("expires_in: %v", err)
	}
	return now.Add(d), nil
}

func validEmail(raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", false
	}
	_, domain, _ := strings.Cut(s, "@")
	return s, strings.Contains(domain, ".")
}

func (e *Emulator) openInvitation(orgID, email string, now time.Time) *invitation {
	for _, inv := range e.invitations {
		if inv.orgID == orgID && strings.EqualFold(inv.email, email) && inv.open(now) {
			return inv
		}
	}
	return nil
}

// dropInvitations removes the pending (unaccepted) invitations of an email.
func (e *Emulator) dropInvitations(orgID, email string) {
	for t, inv := range e.invitations {
		if inv.orgID == orgID && strings.EqualFold(inv.email, email) && inv.acceptedAt == nil {
			delete(e.invitations, t)
		}
	}
}

func (e *Emulator) uniqueToken() string {
	for {
		if t := newInvitationToken(); e.invitations[t] == nil {
			return t
		}
	}
}

// pending returns an organization's unaccepted invitations, oldest first.
// Expired ones stay listed with expired=true, so a client can see that an
// invitation lapsed and re-invite.
func (e *Emulator) pending(orgID string) []*invitation {
	var out []*invitation
	for _, inv := range e.invitations {
		if inv.orgID == orgID && inv.acceptedAt == nil {
			out = append(out, inv)
		}
	}
	slices.SortFunc(out, func(a, b *invitation) int {
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return strings.Compare(a.email, b.email)
	})
	return out
}

// GET /organizations/{id}/invitations: open invitations; any member may list
// (reference §2.3, skills). The reply carries the secret tokens.
func (e *Emulator) listInvitations(c *call) reply {
	org, rep := e.callerOrg(c, false)
	if org == nil {
		return rep
	}
	out := OrganizationInvitations{Invitations: []OrganizationInvitation{}}
	for _, inv := range e.pending(org.id) {
		out.Invitations = append(out.Invitations, e.renderInvitation(inv, c.now))
	}
	return ok(http.StatusOK, out)
}

// DELETE /organizations/{id}/invitations/{tokens}: owner only; all or
// nothing, like member deletion.
func (e *Emulator) deleteInvitations(c *call) reply {
	org, rep := e.callerOrg(c, false)
	if org == nil {
		return rep
	}
	if !c.key.isOrgAdmin() {
		return forbidden("organization invitations")
	}
	tokens := splitList(c.param("invitation_tokens"))
	if len(tokens) == 0 {
		return fail(http.StatusBadRequest, codeInvalidData, "No valid invitation token was supplied", "invitation_tokens")
	}
	for _, t := range tokens {
		if inv := e.invitations[t]; inv == nil || inv.orgID != org.id || inv.acceptedAt != nil {
			return fail(http.StatusNotFound, codeInviteNotFound, "Invitation not found", "invitation_tokens")
		}
	}
	for _, t := range tokens {
		delete(e.invitations, t)
	}
	return ok(http.StatusOK, empty)
}

// GET /organizations/invitations/{token}: the token is the credential of the
// invitee, so any authenticated caller holding it may read the invitation.
func (e *Emulator) getInvitation(c *call) reply {
	inv := e.invitations[c.param("invitation_token")]
	if inv == nil {
		return fail(http.StatusNotFound, codeInviteNotFound, "Invitation not found")
	}
	return ok(http.StatusOK, e.renderInvitation(inv, c.now))
}

// POST /organizations/invitations/{token}/_accept turns the invitation into a
// membership of its email carrying its role assignments. The real call is
// made by the invited user; the emulator has no session for someone who is
// not a user yet, so any authenticated key holding the token may accept on
// the invitee's behalf (reference §2.4 allows this hook).
func (e *Emulator) acceptInvitation(c *call) reply {
	inv := e.invitations[c.param("invitation_token")]
	if inv == nil {
		return fail(http.StatusNotFound, codeInviteNotFound, "Invitation not found")
	}
	if u := e.userByEmail(inv.email); u != nil {
		return fail(http.StatusBadRequest, codeAlreadyBelongs, "User ["+inv.email+"] already belongs to an organization")
	}
	if !inv.open(c.now) {
		return fail(http.StatusNotFound, codeInviteNotFound, "Invitation not found: it has expired or was already accepted")
	}
	org := e.orgs[inv.orgID]
	if org == nil {
		return fail(http.StatusNotFound, codeOrgNotFound, "Organization not found")
	}
	e.addUser(org, inv.email, inv.ra.Clone(), c.now)
	t := c.now
	inv.acceptedAt = &t
	return ok(http.StatusOK, empty)
}
