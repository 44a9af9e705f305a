package esapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
)

// Helpers shared by the security resources, which have one file each
// (roles.go, users.go, role_mappings.go, apikeys.go, has_privileges.go), as
// tools/es_X.go and sandbox/stackemu/X.go do.

// StringList decodes a string or an array of strings.
type StringList []string

// UnmarshalJSON accepts "a" and ["a","b"].
func (l *StringList) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*l = StringList{s}
		return nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*l = a
	return nil
}

// getNamed reads security objects by name (all of them when names is empty)
// from a GET endpoint that answers {name: object}. A 404 means none of the
// names exist, so missing names are simply absent from the map.
func getNamed[T any](ctx context.Context, c *Client, base string, names []string) (map[string]T, error) {
	p := base
	if len(names) > 0 {
		p += "/" + NameList(names)
	}
	out := map[string]T{}
	if _, err := c.DoAllow404(ctx, http.MethodGet, p, nil, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// IsReserved reports whether a role or user carries metadata._reserved.
func IsReserved(metadata map[string]any) bool {
	v, _ := metadata["_reserved"].(bool)
	return v
}

// SortedKeys returns a map's keys in order, for stable outputs.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
