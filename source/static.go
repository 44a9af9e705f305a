package source

import (
	"context"
	"fmt"
)

// Static is a Source over fixed data, for tests and for servers whose data
// does not change. A nil list means its plane is not configured; Err, when
// set, is returned by every list method (an upstream failure).
type Static struct {
	FlavorName string
	Projects   []Project
	Roles      []string
	Users      []string
	Members    []string
	Spaces     []Space
	Features   []Feature
	Err        error
	// Planes overrides Configured; nil derives it from which lists are set.
	Planes map[Plane]bool
}

var _ Source = (*Static)(nil)

// Configured implements Source.
func (s *Static) Configured(p Plane) bool {
	if s.Planes != nil {
		return s.Planes[p]
	}
	switch p {
	case PlaneCloud:
		return s.Projects != nil || s.Members != nil
	case PlaneElasticsearch:
		return s.Roles != nil || s.Users != nil
	case PlaneKibana:
		return s.Spaces != nil || s.Features != nil
	}
	return false
}

// Flavor implements Source.
func (s *Static) Flavor(context.Context) string { return s.FlavorName }

func list[T any](s *Static, p Plane, v []T) ([]T, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	if !s.Configured(p) {
		return nil, fmt.Errorf("%s: %w", p, ErrNotConfigured)
	}
	return append([]T(nil), v...), nil
}

func (s *Static) ListProjects(context.Context) ([]Project, error) {
	return list(s, PlaneCloud, s.Projects)
}
func (s *Static) ListRoleNames(context.Context) ([]string, error) {
	return list(s, PlaneElasticsearch, s.Roles)
}
func (s *Static) ListUserNames(context.Context) ([]string, error) {
	return list(s, PlaneElasticsearch, s.Users)
}
func (s *Static) ListMemberEmails(context.Context) ([]string, error) {
	return list(s, PlaneCloud, s.Members)
}
func (s *Static) ListKibanaSpaces(context.Context) ([]Space, error) {
	return list(s, PlaneKibana, s.Spaces)
}
func (s *Static) ListKibanaFeatures(context.Context) ([]Feature, error) {
	return list(s, PlaneKibana, s.Features)
}
