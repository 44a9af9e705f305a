package source

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestSafeURLDropsCredentials(t *testing.T) {
	cases := map[string]string{
		"https://elastic:changeme@es.example.com:9243": "https://es.example.com:9243",
		"https://es.example.com/path?api_key=abc#frag": "https://es.example.com/path",
		"https://es.example.com":                       "https://es.example.com",
		"es.example.com:9243":                          "", // no scheme: not a URL we can vouch for
		"://user:pass@bad":                             "",
		"http://[::1]:9200/?":                          "http://[::1]:9200/",
		"https://token@kb.example.com/app/home":        "https://kb.example.com/app/home",
	}
	for in, want := range cases {
		if got := SafeURL(in); got != want {
			t.Errorf("SafeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFindProjectPrefersIDsThenAliasesThenNames(t *testing.T) {
	ps := []Project{
		{ID: "a1", Name: "logs", Alias: "logs-x1"},
		{ID: "logs", Name: "other"}, // an id equal to another project's name wins
	}
	if p, _ := FindProject(ps, "logs"); p.Name != "other" {
		t.Errorf("by id: got %+v", p)
	}
	if p, _ := FindProject(ps, "logs-x1"); p.ID != "a1" {
		t.Errorf("by alias: got %+v", p)
	}
	if p, _ := FindProject(ps, "OTHER"); p.ID != "logs" {
		t.Errorf("by name, any case: got %+v", p)
	}
	if _, ok := FindProject(ps, "nope"); ok {
		t.Error("found a project that does not exist")
	}
}

func TestValuesSortsDeduplicatesAndReportsPlanes(t *testing.T) {
	src := &Static{
		Projects: []Project{{ID: "p1", Name: "demo", Alias: "demo"}, {ID: "p2", Name: "demo2"}},
		Users:    []string{"bob", "alice", "bob"},
	}
	ctx := context.Background()
	if got, _ := Values(ctx, src, KindProject); !slices.Equal(got, []string{"demo", "demo2", "p1", "p2"}) {
		t.Errorf("projects: %v", got)
	}
	if got, _ := Values(ctx, src, KindUser); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Errorf("users: %v", got)
	}
	// Identity draws on both planes and tolerates one being absent.
	if got, err := Values(ctx, &Static{Users: []string{"bob"}}, KindIdentity); err != nil || !slices.Equal(got, []string{"bob"}) {
		t.Errorf("identity with Elasticsearch only: %v %v", got, err)
	}
	if _, err := Values(ctx, src, KindSpace); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("spaces without Kibana: %v", err)
	}
	if _, err := Values(ctx, src, Kind("nope")); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestUpstreamWithoutClientsIsNotConfigured(t *testing.T) {
	u := &Upstream{}
	ctx := context.Background()
	for _, p := range []Plane{PlaneCloud, PlaneElasticsearch, PlaneKibana} {
		if u.Configured(p) {
			t.Errorf("%s configured without a client", p)
		}
	}
	if u.Flavor(ctx) != "" {
		t.Error("flavour without Elasticsearch")
	}
	for name, f := range map[string]func() error{
		"projects": func() error { _, err := u.ListProjects(ctx); return err },
		"roles":    func() error { _, err := u.ListRoleNames(ctx); return err },
		"users":    func() error { _, err := u.ListUserNames(ctx); return err },
		"members":  func() error { _, err := u.ListMemberEmails(ctx); return err },
		"spaces":   func() error { _, err := u.ListKibanaSpaces(ctx); return err },
		"features": func() error { _, err := u.ListKibanaFeatures(ctx); return err },
	} {
		if err := f(); !errors.Is(err, ErrNotConfigured) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
