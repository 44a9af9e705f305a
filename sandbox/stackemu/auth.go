package stackemu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// authn is an authenticated principal and what it may do.
type authn struct {
	username             string
	roles                []string // assigned role names (empty for API keys)
	fullName, email      *string
	metadata             map[string]any
	realmName, realmType string
	authType             string // realm | api_key | token ...
	key                  *apiKey
	perm                 permission
	effective, missing   []string
}

// permission is the intersection of its layers: an API key with role
// descriptors is limited by its owner's snapshot (limited_by), so an action
// is allowed only when every layer allows it.
type permission struct {
	layers [][]*roleDescriptor
}

var wwwAuthenticate = []string{`Basic realm="security", charset="UTF-8"`, `Bearer realm="security"`, "ApiKey"}

func unauthenticated(reason string) *esError {
	e := newESError(http.StatusUnauthorized, "security_exception", reason)
	e.header = map[string][]string{"WWW-Authenticate": wwwAuthenticate}
	return e
}

const anonymousNotAllowed = "unable to authenticate with provided credentials and anonymous access is not allowed for this request"

func apiKeyFailure(detail string) *esError {
	e := unauthenticated(anonymousNotAllowed)
	e.extra = map[string]any{"additional_unsuccessful_credentials": "API key: " + detail}
	return e
}

// authenticate resolves the Authorization header against this cluster's
// users and API keys, then Options.ExternalAuth.
func (c *Cluster) authenticate(r *http.Request) (*authn, *esError) {
	h := r.Header.Get("Authorization")
	uri := r.URL.RequestURI()
	if h == "" {
		return nil, unauthenticated("missing authentication credentials for REST request [" + uri + "]")
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		username, password, found := strings.Cut(string(raw), ":")
		if err != nil || !found {
			if a := c.external(h); a != nil {
				return a, nil
			}
			return nil, unauthenticated("unable to authenticate user [" + username + "] for REST request [" + uri + "]")
		}
		if a := c.authenticateUser(username, password); a != nil {
			return a, nil
		}
		if a := c.external(h); a != nil {
			return a, nil
		}
		return nil, unauthenticated("unable to authenticate user [" + username + "] for REST request [" + uri + "]")
	case "apikey":
		a, e := c.authenticateAPIKey(cred)
		if a != nil {
			return a, nil
		}
		if ext := c.external(h); ext != nil {
			return ext, nil
		}
		return nil, e
	case "bearer":
		if a := c.authenticateToken(cred); a != nil {
			return a, nil
		}
		if a := c.external(h); a != nil {
			return a, nil
		}
		return nil, unauthenticated(anonymousNotAllowed)
	}
	if a := c.external(h); a != nil {
		return a, nil
	}
	return nil, unauthenticated("missing authentication credentials for REST request [" + uri + "]")
}

func (c *Cluster) authenticateUser(username, password string) *authn {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.flavor == FlavorServerless {
		return nil // no native or reserved realm on Serverless
	}
	if st, ok := c.reserved[username]; ok {
		if !st.enabled || !verifyPassword(st.hash, password) {
			return nil
		}
		a := &authn{username: username, roles: append([]string(nil), reservedUserRoles[username]...),
			metadata: reservedUserMeta(username), realmName: "reserved", realmType: "reserved", authType: "realm"}
		c.resolveRolesLocked(a)
		return a
	}
	// The realm chain: reserved, then file, then native (Elasticsearch's
	// default order when no realm is configured).
	if a := c.authenticateFileUserLocked(username, password); a != nil {
		return a
	}
	u, ok := c.users[username]
	if !ok || !u.Enabled || !verifyPassword(u.Hash, password) {
		return nil
	}
	a := &authn{username: u.Username, roles: append([]string(nil), u.Roles...), fullName: u.FullName, email: u.Email,
		metadata: u.Metadata, realmName: "default_native", realmType: "native", authType: "realm"}
	c.resolveRolesLocked(a)
	return a
}

func (c *Cluster) authenticateAPIKey(cred string) (*authn, *esError) {
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return nil, unauthenticated(anonymousNotAllowed)
	}
	id, secret, found := strings.Cut(string(raw), ":")
	if !found {
		return nil, unauthenticated(anonymousNotAllowed)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	k, ok := c.apiKeys[id]
	if !ok {
		return nil, apiKeyFailure("unable to find apikey with id " + id)
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], k.secretHash[:]) != 1 {
		return nil, apiKeyFailure("invalid credentials for API key [" + id + "]")
	}
	if k.Invalidated {
		return nil, apiKeyFailure("api key [" + id + "] has been invalidated")
	}
	if k.Expiration != nil && !c.now().Before(*k.Expiration) {
		return nil, apiKeyFailure("api key is expired")
	}
	a := &authn{username: k.Username, roles: []string{}, fullName: k.ownerFullName, email: k.ownerEmail,
		metadata: k.ownerMetadata, realmName: "_es_api_key", realmType: "_es_api_key", authType: "api_key", key: k}
	a.perm = k.permission()
	return a, nil
}

func (c *Cluster) external(h string) *authn {
	if c.extAuth == nil {
		return nil
	}
	p, ok := c.extAuth(h)
	if !ok {
		return nil
	}
	a := &authn{username: p.Username, roles: append([]string(nil), p.Roles...), metadata: p.Metadata,
		realmName: p.RealmName, realmType: p.RealmType, authType: p.AuthType}
	if a.authType == "" {
		a.authType = "realm"
	}
	if a.metadata == nil {
		a.metadata = map[string]any{}
	}
	if p.FullName != "" {
		a.fullName = &p.FullName
	}
	if p.Email != "" {
		a.email = &p.Email
	}
	c.mu.RLock()
	c.resolveRolesLocked(a)
	c.mu.RUnlock()
	return a
}

// resolveRolesLocked builds the permission of a realm principal from its
// role names; names that resolve to no role are reported as missing.
func (c *Cluster) resolveRolesLocked(a *authn) {
	var layer []*roleDescriptor
	seen := map[string]bool{}
	for _, n := range a.roles {
		if seen[n] {
			continue
		}
		seen[n] = true
		if d := c.lookupRoleLocked(n); d != nil {
			layer = append(layer, d)
			a.effective = append(a.effective, n)
		} else {
			a.missing = append(a.missing, n)
		}
	}
	a.perm = permission{layers: [][]*roleDescriptor{layer}}
}

func (c *Cluster) lookupRoleLocked(name string) *roleDescriptor {
	if d, ok := c.predefined[name]; ok {
		return d
	}
	return c.roles[name]
}

// roleDescriptorsLocked returns name → descriptor for the principal's
// current roles (the limited_by snapshot of a new API key).
func (c *Cluster) roleDescriptorsLocked(names []string) ([]string, map[string]*roleDescriptor) {
	out := map[string]*roleDescriptor{}
	var order []string
	for _, n := range names {
		if _, dup := out[n]; dup {
			continue
		}
		if d := c.lookupRoleLocked(n); d != nil {
			out[n] = d.clone()
			order = append(order, n)
		}
	}
	return order, out
}

// authorize checks a cluster action and answers 403 when it is denied.
func (x *rctx) authorize(action string) bool {
	if x.who.perm.cluster(action) {
		return true
	}
	x.fail(x.forbidden(action))
	return false
}

// forbidden renders the 403 of AuthorizationDenialMessages.actionDenied.
func (x *rctx) forbidden(action string) *esError {
	a := x.who
	who := "user [" + a.username + "]"
	if a.key != nil {
		who = "API key id [" + a.key.ID + "] of " + who
	}
	msg := "action [" + action + "] is unauthorized for " + who
	// Roles are not printed for API keys: they have privileges, not roles.
	if a.key == nil {
		msg += " with effective roles [" + strings.Join(a.effective, ",") + "]"
		if len(a.missing) > 0 {
			msg += " (assigned roles [" + strings.Join(a.missing, ",") + "] were not found)"
		}
	}
	cm, _ := models()
	if granted := cm.grantedBy(action); len(granted) > 0 {
		msg += ", this action is granted by the cluster privileges [" + strings.Join(granted, ",") + "]"
	}
	return newESError(http.StatusForbidden, "security_exception", msg)
}

// cluster reports whether every layer grants the action.
func (p permission) cluster(action string) bool {
	if len(p.layers) == 0 {
		return false
	}
	cm, _ := models()
	for _, layer := range p.layers {
		ok := false
		for _, d := range layer {
			for _, g := range d.Cluster {
				if cm.grantsAction(g, action) {
					ok = true
					break
				}
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// clusterPrivilege evaluates a _has_privileges cluster entry: a privilege
// name or action pattern is held when every action it stands for is granted.
func (p permission) clusterPrivilege(name string) bool {
	cm, _ := models()
	for _, a := range cm.actionsOf(name) {
		if !p.cluster(a) {
			return false
		}
	}
	return true
}

// index evaluates one requested (index name or pattern, privilege).
func (p permission) index(name string, allowRestricted bool, priv string) bool {
	if len(p.layers) == 0 {
		return false
	}
	_, im := models()
	actions := im.actionsOf(strings.ToLower(priv))
	for _, layer := range p.layers {
		for _, a := range actions {
			if !layerIndexAction(layer, name, allowRestricted, a) {
				return false
			}
		}
	}
	return true
}

func layerIndexAction(layer []*roleDescriptor, name string, allowRestricted bool, action string) bool {
	_, im := models()
	requested, ok := requestedIndexSet(name, allowRestricted)
	if !ok {
		return false
	}
	if requested.IsEmpty() {
		// Only restricted names were asked for without allow_restricted_indices.
		return true
	}
	for _, d := range layer {
		for _, ip := range d.Indices {
			if !grantedIndexCovers(ip, requested) {
				continue
			}
			for _, gp := range ip.Privileges {
				if im.grantsAction(strings.ToLower(gp), action) {
					return true
				}
			}
		}
	}
	return false
}

// application evaluates one requested application privilege on a resource.
func (p permission) application(app, resource, priv string) bool {
	if len(p.layers) == 0 {
		return false
	}
	for _, layer := range p.layers {
		ok := false
		for _, d := range layer {
			for _, ap := range d.Applications {
				if !globMatch(ap.Application, app) {
					continue
				}
				resOK := false
				for _, r := range ap.Resources {
					if globSubset(resource, r) {
						resOK = true
						break
					}
				}
				if !resOK {
					continue
				}
				for _, gp := range ap.Privileges {
					if appPrivImplies(app, gp, priv) {
						ok = true
						break
					}
				}
				if ok {
					break
				}
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Handlers for who-am-I and the cluster root.

func handleAuthenticate(x *rctx) { x.ok(authenticateBody(x.who)) }

// authenticateBody is the _authenticate response for a principal (also the
// "authentication" of a token response).
func authenticateBody(a *authn) map[string]any {
	body := map[string]any{
		"username":             a.username,
		"roles":                nonNil(a.roles),
		"full_name":            a.fullName,
		"email":                a.email,
		"metadata":             nonNilMap(a.metadata),
		"enabled":              true,
		"authentication_realm": map[string]any{"name": a.realmName, "type": a.realmType},
		"lookup_realm":         map[string]any{"name": a.realmName, "type": a.realmType},
		"authentication_type":  a.authType,
	}
	if a.key != nil {
		// managed_by is required by the contract's AuthenticateApiKey.
		body["api_key"] = map[string]any{"id": a.key.ID, "name": a.key.Name, "managed_by": "elasticsearch"}
	}
	return body
}

func handleInfo(x *rctx) {
	flavor := "default"
	if x.c.flavor == FlavorServerless {
		flavor = "serverless"
	}
	x.ok(map[string]any{
		"name":         "sandbox-es-0",
		"cluster_name": "elastic-access-sandbox",
		"cluster_uuid": "sandbox-cluster-uuid-000000",
		"version": map[string]any{
			"number":                              Version,
			"build_flavor":                        flavor,
			"build_type":                          "docker",
			"build_hash":                          "0000000000000000000000000000000000000000",
			"build_date":                          "2025-10-01T00:00:00.000Z",
			"build_snapshot":                      false,
			"lucene_version":                      "10.2.2",
			"minimum_wire_compatibility_version":  "8.19.0",
			"minimum_index_compatibility_version": "8.0.0",
		},
		"tagline": "You Know, for Search",
	})
}

// handleClusterHealth answers as a healthy one-node cluster with no shards:
// clients and test suites probe it after logging in. wait_for_status is
// met at once (the cluster is always green).
func handleClusterHealth(x *rctx) {
	if v := x.q.Get("wait_for_status"); v != "" && v != "green" && v != "yellow" && v != "red" {
		x.fail(illegalArg("unknown cluster health status [" + v + "]"))
		return
	}
	x.ok(map[string]any{
		"cluster_name":                     "elastic-access-sandbox",
		"status":                           "green",
		"timed_out":                        false,
		"number_of_nodes":                  1,
		"number_of_data_nodes":             1,
		"active_primary_shards":            0,
		"active_shards":                    0,
		"relocating_shards":                0,
		"initializing_shards":              0,
		"unassigned_shards":                0,
		"unassigned_primary_shards":        0,
		"delayed_unassigned_shards":        0,
		"number_of_pending_tasks":          0,
		"number_of_in_flight_fetch":        0,
		"task_max_waiting_in_queue_millis": 0,
		"active_shards_percent_as_number":  100.0,
	})
}
