package cloudemu

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

func (o *organization) render() Organization {
	return Organization{ID: o.id, Name: o.name, DefaultDiskUsageAlertsEnabled: true}
}

// GET /organizations: a user belongs to one organization at a time, so the
// list is exactly the key's organization (reference §6.2).
func (e *Emulator) listOrganizations(c *call) reply {
	org := e.orgs[c.key.orgID]
	if org == nil {
		return fail(http.StatusUnauthorized, codeUserNotFound, "User not found")
	}
	return ok(http.StatusOK, OrganizationList{Organizations: []Organization{org.render()}})
}

// GET /organizations/{id}: 403 organization.invalid_access for an existing
// organization the caller is not in, 404 organization.not_found otherwise.
func (e *Emulator) getOrganization(c *call) reply {
	org, rep := e.callerOrg(c, true)
	if org == nil {
		return rep
	}
	return ok(http.StatusOK, org.render())
}

// PUT /organizations/{id} renames the organization (the spec marks it
// deprecated; the other fields are not modelled). Owner only: a plain member
// gets the operation's documented 403 organization.invalid_access.
func (e *Emulator) updateOrganization(c *call) reply {
	org, rep := e.callerOrg(c, true)
	if org == nil {
		return rep
	}
	if !c.key.isOrgAdmin() {
		return fail(http.StatusForbidden, codeOrgInvalidAccess, "The current user does not have access to update the organization: organization-admin is required")
	}
	var req struct {
		Name *string `json:"name"`
	}
	if err := decodeBody(c, &req, true); err != nil {
		return fail(http.StatusBadRequest, codeInvalidData, err.Error())
	}
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		if n := utf8.RuneCountInString(name); n < 2 || n > 30 {
			return fail(http.StatusBadRequest, codeInvalidOrgName, "Name must be between 2 and 30 characters", "name")
		}
		org.name = name
	}
	return ok(http.StatusOK, org.render())
}

// callerOrg resolves {organization_id} to the caller's organization. Most
// operations declare only 404 organization.not_found, so a foreign
// organization is reported as not found unless revealForeign asks for the
// 403 organization.invalid_access of GET /organizations/{id}.
func (e *Emulator) callerOrg(c *call, revealForeign bool) (*organization, reply) {
	id := c.param("organization_id")
	org := e.orgs[id]
	switch {
	case org == nil:
		return nil, fail(http.StatusNotFound, codeOrgNotFound, "Organization ["+id+"] not found")
	case org.id != c.key.orgID && revealForeign:
		return nil, fail(http.StatusForbidden, codeOrgInvalidAccess, "The current user does not have access to the requested organization")
	case org.id != c.key.orgID:
		return nil, fail(http.StatusNotFound, codeOrgNotFound, "Organization ["+id+"] not found")
	}
	return org, reply{}
}

// GET /account. The ESS API has no current-user endpoint (reference §2.7);
// /account is the documented account of the caller, one per organization
// here.
func (e *Emulator) getAccount(c *call) reply {
	org := e.orgs[c.key.orgID]
	if org == nil {
		return fail(http.StatusNotFound, codeAccountNotFound, "Account not found")
	}
	return ok(http.StatusOK, AccountResponse{ID: org.accountID, Trust: AccountTrustSettings{TrustAll: org.trustAll}})
}

// PUT and PATCH /account change trust settings, an owner-only write. PATCH
// follows JSON Merge Patch as the spec describes: an omitted field keeps its
// value and null restores the default (trust_all true).
func (e *Emulator) updateAccount(c *call) reply {
	org := e.orgs[c.key.orgID]
	if org == nil {
		return fail(http.StatusNotFound, codeAccountNotFound, "Account not found")
	}
	if !c.key.isOrgAdmin() {
		return forbidden("account")
	}
	var req map[string]json.RawMessage
	if err := decodeBody(c, &req, true); err != nil {
		return fail(http.StatusBadRequest, codeInvalidData, err.Error())
	}
	if raw, present := req["trust"]; present {
		var trust *AccountTrustSettings
		if err := json.Unmarshal(raw, &trust); err != nil {
			return fail(http.StatusBadRequest, codeInvalidData, "trust: "+err.Error(), "trust")
		}
		org.trustAll = trust == nil || trust.TrustAll
	}
	return ok(http.StatusOK, AccountResponse{ID: org.accountID, Trust: AccountTrustSettings{TrustAll: org.trustAll}})
}
