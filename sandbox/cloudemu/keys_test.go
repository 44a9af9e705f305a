package cloudemu

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func (e *env) listKeyIDs() []string {
	e.t.Helper()
	r := e.owner("GET", api+"/users/auth/keys", nil)
	r.want(e.t, 200, "")
	var l APIKeysResponse
	r.decode(e.t, &l)
	var ids []string
	for _, k := range l.Keys {
		ids = append(ids, k.ID)
	}
	return ids
}

func TestCreateKeyReturnsSecretOnce(t *testing.T) {
	e := newEnv(t, Options{})
	org := e.seed.OrganizationID
	search := e.seed.Projects[TypeElasticsearch].ID
	req := CreateAPIKeyRequest{Description: "ci key", Expiration: "30d", RoleAssignments: &RoleAssignments{
		Project: ProjectRoleAssignments{Elasticsearch: []ProjectRoleAssignment{{RoleID: "elasticsearch-admin", OrganizationID: org,
			ProjectIDs: []string{search}, ApplicationRoles: []string{"admin"}}}}}}
	r := e.owner("POST", api+"/users/auth/keys", req)
	r.want(t, 201, "")
	var k APIKeyResponse
	r.decode(t, &k)
	if !strings.HasPrefix(k.Key, "essu_") || len(k.Key) < 40 || k.ID == "" || k.Description != "ci key" ||
		k.UserID != e.seed.OwnerUserID || k.OrganizationID != org || !k.CreationDate.Equal(e.clock.Now()) ||
		k.ExpirationDate == nil || !k.ExpirationDate.Equal(e.clock.Now().Add(30*24*time.Hour)) {
		t.Fatalf("created key %+v", k)
	}
	if got := k.RoleAssignments.ApplicationRolesFor(TypeElasticsearch, search); !slices.Equal(got, []string{"admin"}) {
		t.Fatalf("role assignments %+v", k.RoleAssignments)
	}
	// Never again: neither in the list nor in a get.
	for _, p := range []string{api + "/users/auth/keys", api + "/users/auth/keys/" + k.ID} {
		r := e.owner("GET", p, nil)
		r.want(t, 200, "")
		if bytes.Contains(r.body, []byte(`"key"`)) || bytes.Contains(r.body, []byte(k.Key)) {
			t.Fatalf("%s reveals the key: %s", p, r.body)
		}
	}
	var got APIKeyResponse
	e.owner("GET", api+"/users/auth/keys/"+k.ID, nil).decode(t, &got)
	if got.ID != k.ID || got.Description != k.Description {
		t.Fatalf("get %+v", got)
	}
	// The new key works, and carries what it was given.
	e.do("GET", api+"/organizations", k.Key, nil).want(t, 200, "")
	info, ok := e.emu.AuthenticateKey(k.Key)
	if !ok || info.ID != k.ID || info.UserID != e.seed.OwnerUserID || !info.Expires.Equal(*k.ExpirationDate) {
		t.Fatalf("AuthenticateKey %+v %v", info, ok)
	}
	// It is not an organization owner key, so Cloud writes are refused.
	e.do("POST", api+"/users/auth/keys", k.Key, CreateAPIKeyRequest{Description: "x"}).want(t, 403, codePermissionDenied)
}

// Without role_assignments the key takes the creator's roles.
func TestCreateKeyDefaultsToCreatorRoles(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.owner("POST", api+"/users/auth/keys", CreateAPIKeyRequest{Description: "inherits"})
	r.want(t, 201, "")
	var k APIKeyResponse
	r.decode(t, &k)
	if !k.RoleAssignments.HasOrganizationRole(e.seed.OrganizationID, "organization-admin") || k.ExpirationDate != nil {
		t.Fatalf("key %+v", k)
	}
	// and can therefore manage keys itself.
	e.do("GET", api+"/users/auth/keys", k.Key, nil).want(t, 200, "")
}

func TestCreateKeyValidation(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		name  string
		body  any
		field string
		ok    bool // request valid under the contract
	}{
		{"missing description", `{"expiration":"1d"}`, "description", false},
		{"blank description", CreateAPIKeyRequest{Description: "  "}, "description", true},
		{"bad expiration", CreateAPIKeyRequest{Description: "x", Expiration: "soon"}, "expiration", true},
		{"negative expiration", CreateAPIKeyRequest{Description: "x", Expiration: "-3h"}, "expiration", true},
		{"bad role", CreateAPIKeyRequest{Description: "x", RoleAssignments: &RoleAssignments{Deployment: []DeploymentRoleAssignment{
			{RoleID: "deployment-owner", OrganizationID: e.seed.OrganizationID, All: true}}}}, "role_assignments.deployment[0].role_id", true},
		{"all/ids rule", CreateAPIKeyRequest{Description: "x", RoleAssignments: &RoleAssignments{Deployment: []DeploymentRoleAssignment{
			{RoleID: "deployment-viewer", OrganizationID: e.seed.OrganizationID}}}}, "role_assignments.deployment[0].deployment_ids", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []reqOpt
			if !tc.ok {
				opts = append(opts, invalidOK)
			}
			r := e.owner("POST", api+"/users/auth/keys", tc.body, opts...)
			r.want(t, 400, codeKeyInvalidInput)
			if f := r.fields(t); !slices.Equal(f, []string{tc.field}) {
				t.Fatalf("fields %v", f)
			}
		})
	}
	e.owner("POST", api+"/users/auth/keys", nil, invalidOK).want(t, 400, codeKeyInvalidInput)
	if n := len(e.listKeyIDs()); n != 2 {
		t.Fatalf("%d keys after failed creations", n)
	}
}

func TestExpiredKeysAreHidden(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.owner("POST", api+"/users/auth/keys", CreateAPIKeyRequest{Description: "short", Expiration: "3h"})
	r.want(t, 201, "")
	var k APIKeyResponse
	r.decode(t, &k)
	if !slices.Contains(e.listKeyIDs(), k.ID) {
		t.Fatal("new key not listed")
	}
	e.clock.Advance(3 * time.Hour)
	if slices.Contains(e.listKeyIDs(), k.ID) {
		t.Fatal("expired key listed")
	}
	e.owner("GET", api+"/users/auth/keys/"+k.ID, nil).want(t, 404, codeKeyNotFound)
	e.owner("DELETE", api+"/users/auth/keys/"+k.ID, nil).want(t, 404, codeKeyNotFound)
}

func TestKeyCap(t *testing.T) {
	e := newEnv(t, Options{MaxKeysPerOrganization: 4})
	// The demo has 2 keys; one more that expires, one that lasts.
	e.owner("POST", api+"/users/auth/keys", CreateAPIKeyRequest{Description: "brief", Expiration: "1h"}).want(t, 201, "")
	e.owner("POST", api+"/users/auth/keys", CreateAPIKeyRequest{Description: "third"}).want(t, 201, "")
	r := e.owner("POST", api+"/users/auth/keys", CreateAPIKeyRequest{Description: "one too many"})
	r.want(t, 400, codeKeyInvalidInput)
	if !strings.Contains(string(r.body), "4 active API keys") {
		t.Fatalf("body %s", r.body)
	}
	// Expired keys do not count against the cap.
	e.clock.Advance(time.Hour)
	e.owner("POST", api+"/users/auth/keys", CreateAPIKeyRequest{Description: "fits again"}).want(t, 201, "")
}

func TestDefaultKeyCapIs500(t *testing.T) {
	e := newEnv(t, Options{})
	for i := 0; i < 498; i++ {
		e.emu.CreateKey(e.seed.OwnerUserID, "bulk", 0, RoleAssignments{})
	}
	e.owner("POST", api+"/users/auth/keys", CreateAPIKeyRequest{Description: "501st"}).want(t, 400, codeKeyInvalidInput)
}

func TestKeyPagination(t *testing.T) {
	e := newEnv(t, Options{PageSize: 2})
	for i := 0; i < 3; i++ {
		e.emu.CreateKey(e.seed.OwnerUserID, "k", 0, RoleAssignments{})
	}
	var all []string
	cursor, pages := "", 0
	for {
		p := api + "/users/auth/keys"
		if cursor != "" {
			p += "?next_page=" + cursor
		}
		r := e.owner("GET", p, nil)
		r.want(t, 200, "")
		var l APIKeysResponse
		r.decode(t, &l)
		pages++
		for _, k := range l.Keys {
			all = append(all, k.ID)
		}
		if l.NextPage == "" {
			break
		}
		if l.NextPage == cursor || pages > 5 {
			t.Fatalf("cursor does not advance: %q", l.NextPage)
		}
		cursor = l.NextPage
		if pages == 1 {
			// Deleting an already-listed key (the member key, second in
			// creation order) between pages neither skips nor repeats anything.
			if all[1] != e.seed.MemberAPIKeyID {
				t.Fatalf("first page %v is not in creation order", all)
			}
			e.owner("DELETE", api+"/users/auth/keys/"+all[1], nil).want(t, 200, "")
		}
	}
	if pages != 3 || len(all) != 5 || len(slices.Compact(slices.Sorted(slices.Values(all)))) != 5 {
		t.Fatalf("%d pages, keys %v", pages, all)
	}
	e.owner("GET", api+"/users/auth/keys?next_page=garbage", nil).want(t, 400, codeInvalidData)
}

func TestDeleteKeys(t *testing.T) {
	e := newEnv(t, Options{})
	a, ka := e.emu.CreateKey(e.seed.OwnerUserID, "a", 0, RoleAssignments{})
	b, _ := e.emu.CreateKey(e.seed.OwnerUserID, "b", 0, RoleAssignments{})
	c, _ := e.emu.CreateKey(e.seed.OwnerUserID, "c", 0, RoleAssignments{})
	e.owner("DELETE", api+"/users/auth/keys/"+a, nil).want(t, 200, "")
	e.owner("DELETE", api+"/users/auth/keys/"+a, nil).want(t, 404, codeKeyNotFound)
	e.owner("GET", api+"/users/auth/keys/"+a, nil).want(t, 404, codeKeyNotFound)
	if _, ok := e.emu.AuthenticateKey(ka); ok {
		t.Fatal("deleted key authenticates")
	}
	// Bulk delete with a JSON body; unknown ids are skipped.
	e.owner("DELETE", api+"/users/auth/keys", DeleteAPIKeysRequest{Keys: []string{b, c, "no-such-key"}}).want(t, 200, "")
	ids := e.listKeyIDs()
	if slices.Contains(ids, b) || slices.Contains(ids, c) || len(ids) != 2 {
		t.Fatalf("left %v", ids)
	}
	e.owner("DELETE", api+"/users/auth/keys", `{}`, invalidOK).want(t, 400, codeInvalidData)
	e.owner("DELETE", api+"/users/auth/keys", nil, invalidOK).want(t, 400, codeInvalidData)
	// Keys of another organization are out of reach.
	other := e.emu.AddOrganization("Other")
	stranger := e.emu.AddMemberTo(other, "s@example.com", RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: "organization-admin"}}})
	sid, skey := e.emu.CreateKey(stranger, "theirs", 0, RoleAssignments{})
	e.owner("GET", api+"/users/auth/keys/"+sid, nil).want(t, 404, codeKeyNotFound)
	e.owner("DELETE", api+"/users/auth/keys", DeleteAPIKeysRequest{Keys: []string{sid}}).want(t, 200, "")
	if _, ok := e.emu.AuthenticateKey(skey); !ok {
		t.Fatal("another organization's key was deleted")
	}
	var l APIKeysResponse
	e.do("GET", api+"/users/auth/keys", skey, nil).decode(t, &l)
	if len(l.Keys) != 1 || l.Keys[0].ID != sid {
		b, _ := json.Marshal(l)
		t.Fatalf("other organization lists %s", b)
	}
}
