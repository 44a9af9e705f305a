package cloudemu

import "testing"

func TestListOrganizations(t *testing.T) {
	e := newEnv(t, Options{})
	e.emu.AddOrganization("Another Org") // never visible to the demo keys
	var l OrganizationList
	r := e.owner("GET", api+"/organizations", nil)
	r.want(t, 200, "")
	r.decode(t, &l)
	if len(l.Organizations) != 1 || l.Organizations[0].ID != e.seed.OrganizationID || l.Organizations[0].Name != DemoOrganizationName {
		t.Fatalf("organizations %+v", l.Organizations)
	}
}

func TestGetOrganization(t *testing.T) {
	e := newEnv(t, Options{})
	var o Organization
	r := e.owner("GET", e.orgPath(""), nil)
	r.want(t, 200, "")
	r.decode(t, &o)
	if o.ID != e.seed.OrganizationID || o.Name != DemoOrganizationName {
		t.Fatalf("organization %+v", o)
	}
	other := e.emu.AddOrganization("Another Org")
	e.owner("GET", api+"/organizations/"+other, nil).want(t, 403, codeOrgInvalidAccess)
	e.owner("GET", api+"/organizations/999999999999", nil).want(t, 404, codeOrgNotFound)
	// Sub-resources of a foreign organization are simply not found.
	e.owner("GET", api+"/organizations/"+other+"/members", nil).want(t, 404, codeOrgNotFound)
	e.owner("GET", api+"/organizations/"+other+"/invitations", nil).want(t, 404, codeOrgNotFound)
}

func TestAccount(t *testing.T) {
	e := newEnv(t, Options{})
	var a AccountResponse
	r := e.owner("GET", api+"/account", nil)
	r.want(t, 200, "")
	r.decode(t, &a)
	if a.ID == "" || !a.Trust.TrustAll {
		t.Fatalf("account %+v", a)
	}
	// The contract types the PATCH body as "string": a generator artifact
	// for a JSON Merge Patch document, which is a JSON object. The object is
	// what clients send, so the request is exempt from the body check.
	r = e.owner("PATCH", api+"/account", AccountUpdateRequest{Trust: &AccountTrustSettings{TrustAll: false}}, invalidOK)
	r.want(t, 200, "")
	r = e.owner("PUT", api+"/account", AccountUpdateRequest{})
	r.want(t, 200, "")
	r.decode(t, &a)
	if a.Trust.TrustAll {
		t.Fatal("trust_all not updated (or an empty PUT reset it)")
	}
	var b AccountResponse
	e.member("GET", api+"/account", nil).decode(t, &b)
	if b.ID != a.ID || b.Trust.TrustAll {
		t.Fatalf("member sees %+v", b)
	}
	// Merge Patch: null restores the default.
	r = e.owner("PATCH", api+"/account", `{"trust":null}`, invalidOK)
	r.want(t, 200, "")
	r.decode(t, &a)
	if !a.Trust.TrustAll {
		t.Fatal("trust:null did not restore the default")
	}
}

func TestUpdateOrganization(t *testing.T) {
	e := newEnv(t, Options{})
	var o Organization
	r := e.owner("PUT", e.orgPath(""), map[string]any{"name": "Renamed Org"})
	r.want(t, 200, "")
	r.decode(t, &o)
	if o.Name != "Renamed Org" {
		t.Fatalf("organization %+v", o)
	}
	e.owner("PUT", e.orgPath(""), map[string]any{"name": "x"}).want(t, 400, "organization.invalid_name")
	e.member("PUT", e.orgPath(""), map[string]any{"name": "Mine Now"}).want(t, 403, codeOrgInvalidAccess)
	e.owner("PUT", api+"/organizations/"+e.emu.AddOrganization("Other"), map[string]any{"name": "Mine Now"}).want(t, 403, codeOrgInvalidAccess)
	var l OrganizationList
	e.member("GET", api+"/organizations", nil).decode(t, &l)
	if l.Organizations[0].Name != "Renamed Org" {
		t.Fatalf("list %+v", l)
	}
}
