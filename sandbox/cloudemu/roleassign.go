package cloudemu

import "net/http"

// problemContext says which endpoint reports an assignment problem, since
// each documents different codes.
type problemContext int

const (
	forRoleAPI problemContext = iota
	forInvitation
	forKey
)

// assignmentProblem renders a validation problem. The role-assignment
// endpoints document 403 role_assignments.unauthorized_role_assignments for
// assignments the caller may not make, which covers another organization's
// id; key creation documents only 400 api_keys.invalid_input.
func assignmentProblem(p *raProblem, ctx problemContext) reply {
	if ctx == forKey {
		return fail(http.StatusBadRequest, codeKeyInvalidInput, p.message, p.field)
	}
	switch p.kind {
	case problemRole:
		return fail(http.StatusBadRequest, codeInvalidRole, p.message, p.field)
	case problemForeign:
		if ctx == forRoleAPI {
			return fail(http.StatusForbidden, codeUnauthorizedRA, "You are not authorised to assign roles in another organization: "+p.message, p.field)
		}
	}
	return fail(http.StatusBadRequest, codeInvalidData, p.message, p.field)
}

// POST /users/{user_id}/role_assignments merges the body into the member's
// assignments.
func (e *Emulator) addRoleAssignments(c *call) reply {
	return e.changeRoleAssignments(c, RoleAssignments.Merge)
}

// DELETE /users/{user_id}/role_assignments subtracts the body (a DELETE with
// a JSON body, like the real API).
func (e *Emulator) removeRoleAssignments(c *call) reply {
	return e.changeRoleAssignments(c, RoleAssignments.Subtract)
}

func (e *Emulator) changeRoleAssignments(c *call, apply func(RoleAssignments, RoleAssignments) RoleAssignments) reply {
	if !c.key.isOrgAdmin() {
		return fail(http.StatusForbidden, codeUnauthorizedRA, "You are not authorised to change role assignments: organization-admin is required")
	}
	target := e.users[c.param("user_id")]
	if target == nil || target.orgID != c.key.orgID {
		return fail(http.StatusBadRequest, codeInvalidTarget, "The target user Id ["+c.param("user_id")+"] is invalid", "user_id")
	}
	var body RoleAssignments
	if err := decodeBody(c, &body, true); err != nil {
		return fail(http.StatusBadRequest, codeInvalidData, err.Error())
	}
	norm, p := normalize(body, target.orgID, "", e.opts.StrictRoleIDs)
	if p != nil {
		return assignmentProblem(p, forRoleAPI)
	}
	target.ra = apply(target.ra, norm)
	return ok(http.StatusOK, empty)
}
