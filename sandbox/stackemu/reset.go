package stackemu

import (
	"errors"
	"maps"
)

// fileUser is a user of the file realm (elasticsearch-users): configuration
// on disk, not API state, so it is never listed by the user APIs and Reset
// keeps it.
type fileUser struct {
	hash  string
	roles []string
}

// fileRealmName is the name Elasticsearch gives the file realm when none is
// configured explicitly.
const fileRealmName = "default_file"

// AddFileUser adds a user to the file realm, as `elasticsearch-users useradd
// -r` does on a real node. File users authenticate after the reserved realm
// and before the native one, and never appear in GET /_security/user,
// _query/user or their counts. Serverless has no file realm.
func (c *Cluster) AddFileUser(username, password string, roles []string) error {
	if c.flavor == FlavorServerless {
		return errors.New("there is no file realm on Serverless")
	}
	if msgs := validateUserTarget(username); msgs != nil {
		return errors.New(validationMessage(msgs))
	}
	if javaLen(password) < minPasswordLen {
		return errors.New(validationMessage([]string{passwordTooShortMsg()}))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fileUsers[username] = &fileUser{hash: mustHash(password), roles: append([]string{}, roles...)}
	return nil
}

// authenticateFileUserLocked checks the file realm; the caller holds c.mu.
func (c *Cluster) authenticateFileUserLocked(username, password string) *authn {
	fu, ok := c.fileUsers[username]
	if !ok || !verifyPassword(fu.hash, password) {
		return nil
	}
	a := &authn{username: username, roles: append([]string(nil), fu.roles...), metadata: map[string]any{},
		realmName: fileRealmName, realmType: "file", authType: "realm"}
	c.resolveRolesLocked(a)
	return a
}

// snapshot is the API state Checkpoint records: entries are copied one level
// deep because every write replaces an entry's fields rather than editing
// the maps and slices they point to.
type snapshot struct {
	users    map[string]*user
	reserved map[string]*reservedUserState
	roles    map[string]*roleDescriptor
	mappings map[string]*roleMapping
	apiKeys  map[string]*apiKey
	keyOrder []string
	appPrivs map[string]map[string]*appPrivDef
}

// Checkpoint records the current state as the one Reset returns to (the
// sandbox calls it once seeding is done).
func (c *Cluster) Checkpoint() {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.copyLocked()
	c.start = &s
}

// Reset returns the cluster to its last Checkpoint, or to the state New
// leaves when there is none: the same users, roles, mappings and API keys
// (same ids and secrets), with everything created since gone. The file
// realm and injected faults are configuration and stay as they are.
func (c *Cluster) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Tokens and profiles are sessions and activations, never seeded.
	c.tokens, c.profiles = map[string]*token{}, map[string]*profile{}
	if c.start == nil {
		c.users, c.roles, c.mappings, c.apiKeys, c.keyOrder = map[string]*user{}, map[string]*roleDescriptor{},
			map[string]*roleMapping{}, map[string]*apiKey{}, nil
		c.appPrivs = map[string]map[string]*appPrivDef{}
		c.reserved = map[string]*reservedUserState{}
		for _, name := range reservedUserNames() {
			c.reserved[name] = &reservedUserState{enabled: true}
		}
		return
	}
	saved := *c.start
	c.users, c.reserved, c.roles, c.mappings, c.apiKeys, c.keyOrder, c.appPrivs = saved.users, saved.reserved, saved.roles,
		saved.mappings, saved.apiKeys, saved.keyOrder, saved.appPrivs
	s := c.copyLocked() // the live state must not share entries with the checkpoint
	c.users, c.reserved, c.roles, c.mappings, c.apiKeys, c.keyOrder, c.appPrivs = s.users, s.reserved, s.roles,
		s.mappings, s.apiKeys, s.keyOrder, s.appPrivs
}

func (c *Cluster) copyLocked() snapshot {
	s := snapshot{
		users:    make(map[string]*user, len(c.users)),
		reserved: make(map[string]*reservedUserState, len(c.reserved)),
		roles:    maps.Clone(c.roles), // role writes store a new descriptor
		mappings: make(map[string]*roleMapping, len(c.mappings)),
		apiKeys:  make(map[string]*apiKey, len(c.apiKeys)),
		keyOrder: append([]string(nil), c.keyOrder...),
		appPrivs: copyAppPrivs(c.appPrivs),
	}
	for k, u := range c.users {
		cp := *u
		s.users[k] = &cp
	}
	for k, r := range c.reserved {
		cp := *r
		s.reserved[k] = &cp
	}
	for k, m := range c.mappings {
		cp := *m
		s.mappings[k] = &cp
	}
	for k, key := range c.apiKeys {
		cp := *key
		s.apiKeys[k] = &cp
	}
	return s
}

// SeedOperator creates only what is needed to talk to the cluster: on the
// stack, a file-realm superuser named admin with a random password; on
// Serverless (no file or native realm), an API key with full privileges
// owned by the operator. No demo user, role, mapping or other key exists.
func (c *Cluster) SeedOperator() SeedInfo {
	info := SeedInfo{AdminUsername: "admin"}
	if c.flavor == FlavorServerless {
		info.AdminAPIKey, info.AdminAPIKeyID = c.seedAdminKey(&authn{username: "admin", roles: []string{"admin"},
			metadata: map[string]any{}, realmName: "cloud-saml-kibana", realmType: "saml", authType: "realm"})
		info.APIKeyNames = []string{"sandbox-admin"}
		return info
	}
	info.AdminPassword = randomSecret(18)
	mustSeed(c.AddFileUser("admin", info.AdminPassword, []string{"superuser"}))
	return info
}

// seedAdminKey creates the operator's full-privilege key.
func (c *Cluster) seedAdminKey(owner *authn) (encoded, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if owner.perm.layers == nil {
		c.resolveRolesLocked(owner)
	}
	name := "sandbox-admin"
	k := c.newAPIKeyLocked(owner, &apiKeyBody{name: &name, metadata: map[string]any{"purpose": "sandbox operator"}})
	encoded, _ = k["encoded"].(string)
	id, _ = k["id"].(string)
	return encoded, id
}
