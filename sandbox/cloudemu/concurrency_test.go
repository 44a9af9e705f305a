package cloudemu

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// Replies are encoded after the lock is released, so they must never share
// memory with the state; the race detector checks that here while writers
// and readers overlap.
func TestConcurrentReadersAndWriters(t *testing.T) {
	e := newEnv(t, Options{})
	e.client = &http.Client{} // contract checks are covered elsewhere; keep this about races
	org, bob := e.seed.OrganizationID, e.seed.Members[DemoBobEmail]
	search := e.seed.Projects[TypeElasticsearch].ID
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 10 {
				body := esOnlyOrg(org, pra("elasticsearch-viewer", false, []string{search, fmt.Sprintf("p%d-%d", i, j)}, "reader"))
				e.assign("POST", bob, body).want(t, 200, "")
				e.assign("DELETE", bob, body).want(t, 200, "")
			}
		})
		wg.Go(func() {
			for range 10 {
				e.owner("GET", e.orgPath("/members"), nil).want(t, 200, "")
				e.owner("GET", api+"/users/auth/keys", nil).want(t, 200, "")
				e.owner("GET", e.orgPath("/invitations"), nil).want(t, 200, "")
			}
		})
		wg.Go(func() {
			for j := range 5 {
				r := e.owner("POST", api+"/users/auth/keys", CreateAPIKeyRequest{Description: fmt.Sprintf("k%d-%d", i, j)})
				r.want(t, 201, "")
				var k APIKeyResponse
				r.decode(t, &k)
				e.owner("DELETE", api+"/users/auth/keys/"+k.ID, nil).want(t, 200, "")
			}
		})
	}
	wg.Wait()
	if es := e.members()[DemoBobEmail].RoleAssignments.Project.Elasticsearch; len(es) != 0 {
		t.Fatalf("bob left with %+v", es)
	}
}
