package cloudemu

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (k *apiKey) render() APIKeyResponse {
	ra := k.ra.Clone()
	out := APIKeyResponse{
		ID:              k.id,
		UserID:          k.userID,
		OrganizationID:  k.orgID,
		Description:     k.description,
		CreationDate:    k.created,
		RoleAssignments: &ra,
	}
	if !k.expires.IsZero() {
		t := k.expires
		out.ExpirationDate = &t
	}
	return out
}

// newKey stores a key and returns it with its secret. Only the SHA-256 of
// the secret is kept: the emulator, like the real service, cannot show a key
// again after creation.
func (e *Emulator) newKey(orgID, userID, description string, ttl time.Duration, ra RoleAssignments, now time.Time) (*apiKey, string) {
	secret := newKeySecret()
	k := &apiKey{id: newKeyID(), userID: userID, orgID: orgID, description: description, created: now, seq: e.nextSeq(), ra: ra}
	for e.keys[k.id] != nil {
		k.id = newKeyID()
	}
	if ttl > 0 {
		k.expires = now.Add(ttl)
	}
	k.hash = hashSecret(secret)
	e.keys[k.id] = k
	e.keyByHash[k.hash] = k
	return k, secret
}

func (e *Emulator) activeKeys(orgID string, now time.Time) []*apiKey {
	var out []*apiKey
	for _, k := range e.keys {
		if k.orgID == orgID && !k.expired(now) {
			out = append(out, k)
		}
	}
	return out
}

func (e *Emulator) dropKey(k *apiKey) {
	delete(e.keys, k.id)
	delete(e.keyByHash, k.hash)
	delete(e.rate, k.id)
}

// Only Organization owners can create or manage Cloud API keys; others get
// 403 (reference §1.2, CONFIRMED by the docs). That includes listing: the
// skills' claim that any member may list keys is only OBSERVED/UNCERTAIN.
func keyAdmin(c *call) *reply {
	if c.key.isOrgAdmin() {
		return nil
	}
	rep := forbidden("API keys")
	return &rep
}

// POST /users/auth/keys.
func (e *Emulator) createKey(c *call) reply {
	if rep := keyAdmin(c); rep != nil {
		return *rep
	}
	var req CreateAPIKeyRequest
	if err := decodeBody(c, &req, true); err != nil {
		return fail(http.StatusBadRequest, codeKeyInvalidInput, err.Error())
	}
	desc := strings.TrimSpace(req.Description)
	if desc == "" {
		return fail(http.StatusBadRequest, codeKeyInvalidInput, "description is required", "description")
	}
	// Without expiration the key never expires: how the API spells "never"
	// is unknown, and omission is the likely form (reference §2.6).
	var ttl time.Duration
	if req.Expiration != "" {
		d, err := parseDurationSpec(req.Expiration)
		if err != nil {
			return fail(http.StatusBadRequest, codeKeyInvalidInput, "expiration: "+err.Error(), "expiration")
		}
		ttl = d
	}
	var ra RoleAssignments
	if req.RoleAssignments != nil {
		var p *raProblem
		if ra, p = normalize(*req.RoleAssignments, c.key.orgID, "role_assignments.", e.opts.StrictRoleIDs); p != nil {
			return assignmentProblem(p, forKey)
		}
	} else {
		// "Takes the role of the creator if not specified."
		ra = e.creatorRoles(c.key)
	}
	if n := len(e.activeKeys(c.key.orgID, c.now)); n >= e.maxKeys() {
		return fail(http.StatusBadRequest, codeKeyInvalidInput,
			"The organization has reached the limit of "+strconv.Itoa(e.maxKeys())+" active API keys; delete unused keys first")
	}
	k, secret := e.newKey(c.key.orgID, c.key.userID, desc, ttl, ra, c.now)
	out := k.render()
	out.Key = secret
	return ok(http.StatusCreated, out)
}

// creatorRoles is the current role set of the key's user, or the key's own
// if that user has left the organization.
func (e *Emulator) creatorRoles(k *apiKey) RoleAssignments {
	if u := e.users[k.userID]; u != nil && u.orgID == k.orgID {
		return u.ra.Clone()
	}
	return k.ra.Clone()
}

// GET /users/auth/keys lists the organization's active keys, without
// secrets, expired keys hidden. Organization-wide rather than the caller's
// own: the docs describe keys as organization objects and the console shows
// them all (reference §2.6). Paginated with ?next_page= as newer API
// versions are (the parameter name is the likely one, by analogy with
// Serverless).
func (e *Emulator) listKeys(c *call) reply {
	if rep := keyAdmin(c); rep != nil {
		return *rep
	}
	page, next, err := paginate(e.activeKeys(c.key.orgID, c.now), func(k *apiKey) int64 { return k.seq },
		c.r.URL.Query().Get("next_page"), e.pageSize())
	if err != nil {
		return fail(http.StatusBadRequest, codeInvalidData, err.Error(), "next_page")
	}
	out := APIKeysResponse{Keys: make([]APIKeyResponse, 0, len(page)), NextPage: next}
	for _, k := range page {
		out.Keys = append(out.Keys, k.render())
	}
	return ok(http.StatusOK, out)
}

func (e *Emulator) lookupKey(c *call) (*apiKey, *reply) {
	id := c.param("api_key_id")
	k := e.keys[id]
	if k == nil || k.orgID != c.key.orgID || k.expired(c.now) {
		rep := fail(http.StatusNotFound, codeKeyNotFound, "The API key ["+id+"] can't be found")
		return nil, &rep
	}
	return k, nil
}

// GET /users/auth/keys/{id}.
func (e *Emulator) getKey(c *call) reply {
	if rep := keyAdmin(c); rep != nil {
		return *rep
	}
	k, rep := e.lookupKey(c)
	if rep != nil {
		return *rep
	}
	return ok(http.StatusOK, k.render())
}

// DELETE /users/auth/keys/{id}.
func (e *Emulator) deleteKey(c *call) reply {
	if rep := keyAdmin(c); rep != nil {
		return *rep
	}
	k, rep := e.lookupKey(c)
	if rep != nil {
		return *rep
	}
	e.dropKey(k)
	return ok(http.StatusOK, empty)
}

// DELETE /users/auth/keys with body {"keys":[ids]}. The operation declares
// no error reply, so unknown ids are skipped rather than reported; a body
// without "keys" is still a 400.
func (e *Emulator) deleteKeys(c *call) reply {
	if rep := keyAdmin(c); rep != nil {
		return *rep
	}
	var req struct {
		Keys *[]string `json:"keys"`
	}
	if err := decodeBody(c, &req, true); err != nil {
		return fail(http.StatusBadRequest, codeInvalidData, err.Error())
	}
	if req.Keys == nil {
		return fail(http.StatusBadRequest, codeInvalidData, "keys is required: the list of API key ids to delete", "keys")
	}
	for _, id := range *req.Keys {
		if k := e.keys[id]; k != nil && k.orgID == c.key.orgID {
			e.dropKey(k)
		}
	}
	return ok(http.StatusOK, empty)
}
