package sandbox

import (
	"net/http"
	"testing"
)

// The demo's Serverless projects are published with their addresses at
// start, but each one's cluster is made only when something talks to it;
// a project reached first through its address (not through Project) serves
// its seeded content, and a reset restores what was changed there.
func TestProjectsStartOnFirstRequest(t *testing.T) {
	sb, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	search := sb.CloudSeed.Projects["elasticsearch"]
	sb.mu.Lock()
	for id, lp := range sb.projects {
		if lp.started.Load() != nil {
			t.Errorf("project %s (%s) was started before anything used it", id, lp.typ)
		}
	}
	sb.mu.Unlock()

	owner := "ApiKey " + sb.CloudSeed.OwnerAPIKey
	status, role := get(t, search.ElasticsearchURL+"/_security/role/logs-reader", owner)
	if status != http.StatusOK || role["logs-reader"] == nil {
		t.Fatalf("the search project's seeded role, first request: %d %v", status, role)
	}
	if status, _ := get(t, search.KibanaURL+"/api/status", owner); status == http.StatusInternalServerError {
		t.Fatalf("the search project's Kibana did not start: %d", status)
	}
	if send(t, http.MethodDelete, search.ElasticsearchURL+"/_security/role/logs-reader", owner, "") != http.StatusOK {
		t.Fatal("could not delete the seeded role")
	}
	if send(t, http.MethodPost, search.ElasticsearchURL+"/_sandbox/reset", "", "") != http.StatusOK {
		t.Fatal("reset failed")
	}
	if status, _ := get(t, search.ElasticsearchURL+"/_security/role/logs-reader", owner); status != http.StatusOK {
		t.Errorf("the deleted role after a reset: %d, want 200", status)
	}
	if p := sb.Project(search.ID); p == nil || p.ElasticsearchURL != search.ElasticsearchURL {
		t.Errorf("Project(%s) = %+v, want the project at the published address", search.ID, p)
	}
	obs := sb.CloudSeed.Projects["observability"]
	sb.mu.Lock()
	if sb.projects[obs.ID].started.Load() != nil {
		t.Error("using the search project started the observability project")
	}
	sb.mu.Unlock()
}
