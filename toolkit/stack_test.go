package toolkit

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
)

// countingDirectory is an organization whose project list can grow, and
// which counts how often it was listed.
type countingDirectory struct {
	mu       sync.Mutex
	projects []cloudapi.Project
	lists    int
}

func (d *countingDirectory) ListAllProjects(context.Context) ([]cloudapi.Project, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lists++
	return append([]cloudapi.Project(nil), d.projects...), nil
}

func (d *countingDirectory) add(i int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.projects = append(d.projects, cloudapi.Project{ID: fmt.Sprintf("id%03d", i), Name: fmt.Sprintf("project-%d", i), Type: "elasticsearch",
		Endpoints: map[string]string{"elasticsearch": fmt.Sprintf("https://p%d.es.example", i)}})
}

// Resolving every project of an organization, as a review across projects
// does, lists the projects once, not once per project; a project made after
// the listing is still found.
func TestResolvingManyProjectsListsThemOnce(t *testing.T) {
	dir := &countingDirectory{}
	for i := 0; i < 50; i++ {
		dir.add(i)
	}
	st, err := NewStackTargetsWith(StackConfig{CloudAPIKey: "essu_test"}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		if _, err := st.Resolve(ctx, fmt.Sprintf("project-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if dir.lists != 1 {
		t.Errorf("resolving 50 projects listed the organization's projects %d times, want 1", dir.lists)
	}
	dir.add(50)
	if tgt, err := st.Resolve(ctx, "project-50"); err != nil || tgt.Project.ID != "id050" {
		t.Fatalf("a project made after the listing: %v", err)
	}
	if _, err := st.Resolve(ctx, "no-such-project"); err == nil {
		t.Error("an unknown project was resolved")
	}
}
