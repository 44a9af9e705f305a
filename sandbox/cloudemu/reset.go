package cloudemu

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"
)

// state is a deep copy of everything the API can change, so Reset can bring
// the emulator back to where Checkpoint left it with the same ids, tokens
// and keys: credentials printed at start keep working after a reset.
type state struct {
	orgs        map[string]*organization
	orgOrder    []string
	users       map[string]*user
	invitations map[string]*invitation
	keys        map[string]*apiKey
	projects    map[string]*project
	seq         int64
}

// Checkpoint records the current state as the one Reset returns to. The
// sandbox calls it once seeding is done.
func (e *Emulator) Checkpoint() {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.liveLocked().clone()
	e.start = &s
}

// Reset returns the emulator to the last Checkpoint (to empty when there is
// none). Rate-limit windows start afresh; injected faults are left alone,
// they have their own admin API.
func (e *Emulator) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := state{orgs: map[string]*organization{}, users: map[string]*user{}, invitations: map[string]*invitation{},
		keys: map[string]*apiKey{}, projects: map[string]*project{}}
	if e.start != nil {
		s = e.start.clone() // the live state must not share memory with the checkpoint
	}
	e.orgs, e.orgOrder, e.users, e.invitations, e.keys, e.projects, e.seq =
		s.orgs, s.orgOrder, s.users, s.invitations, s.keys, s.projects, s.seq
	e.byEmail = map[string]*user{}
	for _, u := range e.users {
		e.byEmail[strings.ToLower(u.email)] = u
	}
	e.keyByHash = map[[sha256.Size]byte]*apiKey{}
	for _, k := range e.keys {
		e.keyByHash[k.hash] = k
	}
	e.rate = map[string]*rateWindow{}
}

func (e *Emulator) liveLocked() state {
	return state{orgs: e.orgs, orgOrder: e.orgOrder, users: e.users, invitations: e.invitations,
		keys: e.keys, projects: e.projects, seq: e.seq}
}

func (src state) clone() state {
	s := state{
		orgs:        make(map[string]*organization, len(src.orgs)),
		orgOrder:    append([]string(nil), src.orgOrder...),
		users:       make(map[string]*user, len(src.users)),
		invitations: make(map[string]*invitation, len(src.invitations)),
		keys:        make(map[string]*apiKey, len(src.keys)),
		projects:    make(map[string]*project, len(src.projects)),
		seq:         src.seq,
	}
	for id, o := range src.orgs {
		c := *o
		c.members = append([]string(nil), o.members...)
		s.orgs[id] = &c
	}
	for id, u := range src.users {
		c := *u
		c.ra = cloneAssignments(u.ra)
		s.users[id] = &c
	}
	for tok, inv := range src.invitations {
		c := *inv
		if inv.acceptedAt != nil {
			at := *inv.acceptedAt
			c.acceptedAt = &at
		}
		c.ra = cloneAssignments(inv.ra)
		s.invitations[tok] = &c
	}
	for id, k := range src.keys {
		c := *k
		c.ra = cloneAssignments(k.ra)
		s.keys[id] = &c
	}
	for id, p := range src.projects {
		c := *p
		c.roles = append([]ProjectRole(nil), p.roles...)
		s.projects[id] = &c
	}
	return s
}

// cloneAssignments deep-copies through JSON: RoleAssignments is the wire
// type, so the round trip is lossless.
func cloneAssignments(ra RoleAssignments) RoleAssignments {
	b, err := json.Marshal(ra)
	if err != nil {
		panic("cloudemu: copying role assignments: " + err.Error())
	}
	var out RoleAssignments
	if err := json.Unmarshal(b, &out); err != nil {
		panic("cloudemu: copying role assignments: " + err.Error())
	}
	return out
}

// SeedMinimal creates only what a client needs to talk to the API: one
// organization with its owner (organization-admin) and the owner's API key
// (application_roles ["admin"], valid 90 days), plus an empty project of each
// type given (the sandbox's Serverless flavour needs its Elasticsearch
// project). No other member, invitation, key or custom role exists.
func (e *Emulator) SeedMinimal(projectTypes ...string) SeedInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	org := e.addOrganization(DemoOrganizationName)
	o := org.id
	info := SeedInfo{OrganizationID: o, OrganizationName: org.name, OwnerEmail: DemoOwnerEmail,
		Projects: map[string]ProjectInfo{}, Members: map[string]string{}}
	info.OwnerUserID = e.addMemberTo(org, DemoOwnerEmail, RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: roleOrgAdmin, OrganizationID: o}},
	})
	info.Members[DemoOwnerEmail] = info.OwnerUserID
	names := map[string]string{TypeElasticsearch: "search-demo", TypeObservability: "obs-demo", TypeSecurity: "sec-demo"}
	for _, typ := range projectTypes {
		info.Projects[typ] = e.addProject(org, typ, names[typ])
	}
	key, secret := e.newKey(o, info.OwnerUserID, "sandbox owner key", 90*24*time.Hour, e.mustNormalize(RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: roleOrgAdmin, OrganizationID: o, ApplicationRoles: []string{"admin"}}},
	}, o), e.now())
	info.OwnerAPIKeyID, info.OwnerAPIKey = key.id, secret
	return info
}
