package cloudemu

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

func (u *user) render() OrganizationMembership {
	return OrganizationMembership{
		OrganizationID:  u.orgID,
		UserID:          u.id,
		Name:            u.name,
		Email:           u.email,
		MemberSince:     u.memberSince,
		RoleAssignments: u.ra.Clone(),
	}
}

// GET /organizations/{id}/members: any member may list (reference §2.3 and
// the skills), with each member's role assignments; this is the only
// documented way to read them. No pagination is declared.
func (e *Emulator) listMembers(c *call) reply {
	org, rep := e.callerOrg(c, false)
	if org == nil {
		return rep
	}
	out := OrganizationMemberships{Members: make([]OrganizationMembership, 0, len(org.members))}
	for _, id := range org.members {
		out.Members = append(out.Members, e.users[id].render())
	}
	return ok(http.StatusOK, out)
}

// DELETE /organizations/{id}/members/{user_ids}: comma-separated ids, owner
// only. Any unknown id fails the whole request with 404
// organization.membership_not_found and nothing is removed; whether the real
// API deletes partially is unknown (reference §6.3). The removed users' keys
// keep working until they expire (reference §1.2).
func (e *Emulator) deleteMembers(c *call) reply {
	org, rep := e.callerOrg(c, false)
	if org == nil {
		return rep
	}
	if !c.key.isOrgAdmin() {
		return forbidden("organization members")
	}
	ids := splitList(c.param("user_ids"))
	if len(ids) == 0 {
		return fail(http.StatusNotFound, codeUserNotFound, "No user id was supplied")
	}
	for _, id := range ids {
		if u := e.users[id]; u == nil || u.orgID != org.id {
			return fail(http.StatusNotFound, codeMembershipMissing, "Organization membership not found for user ["+id+"]", "user_ids")
		}
	}
	for _, id := range ids {
		delete(e.byEmail, strings.ToLower(e.users[id].email))
		delete(e.users, id)
	}
	org.members = slices.DeleteFunc(org.members, func(id string) bool { return slices.Contains(ids, id) })
	return ok(http.StatusOK, empty)
}

// splitList splits a comma-separated path segment, dropping blanks and
// duplicates.
func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// addUser creates a membership. The caller holds the lock and has checked
// that the email is free.
func (e *Emulator) addUser(org *organization, email string, ra RoleAssignments, since time.Time) *user {
	u := &user{id: newUserID(), email: email, name: nameFromEmail(email), orgID: org.id, memberSince: since, ra: ra}
	for e.users[u.id] != nil {
		u.id = newUserID()
	}
	e.users[u.id] = u
	e.byEmail[strings.ToLower(email)] = u
	org.members = append(org.members, u.id)
	return u
}

// userByEmail finds a user of any organization by case-insensitive email.
func (e *Emulator) userByEmail(email string) *user {
	return e.byEmail[strings.ToLower(strings.TrimSpace(email))]
}
