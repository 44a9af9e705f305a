package policy

import (
	"fmt"
	"strings"
	"sync"
)

// Privilege names are resolved the way Elasticsearch resolves them: lower
// case, a known name to its action set, anything that looks like an action
// to the pattern "<action>*" (ClusterPrivilegeResolver.actionToPattern and
// IndexPrivilege.actionToPattern append the star). Surrounding whitespace is
// ignored so that a spelling like " ALL " is judged as what it would become if
// any layer normalized it.

var (
	defsOnce    sync.Once
	clusterSets map[string]Set
	indexSets   map[string]Set
)

func privSets() (map[string]Set, map[string]Set) {
	defsOnce.Do(func() {
		clusterSets = map[string]Set{}
		for name, d := range clusterPrivileges {
			if len(d.include) > 0 && strings.HasPrefix(d.include[0], ownPrefix) {
				clusterSets[name] = defSet(d) // manage_own_api_key: already the own-key form
				continue
			}
			clusterSets[name] = withOwn(defSet(d))
		}
		indexSets = map[string]Set{}
		for name, d := range indexPrivileges {
			indexSets[name] = defSet(d)
		}
	})
	return clusterSets, indexSets
}

func defSet(d privDef) Set { return mustPatterns(d.include...).Minus(mustPatterns(d.exclude...)) }

// withOwn adds the own-key form of every action: whoever may act on every
// API key may act on their own.
func withOwn(s Set) Set {
	if s.d == nil {
		return s
	}
	n := &nfa{}
	own := n.determinize(n.concat(n.literal(ownPrefix), n.embed(s.d)))
	return s.Union(Set{own})
}

func normalizePrivilege(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

func isClusterAction(name string) bool {
	return strings.HasPrefix(name, "cluster:") || strings.HasPrefix(name, "indices:admin/template/") ||
		strings.HasPrefix(name, "indices:admin/index_template/")
}

func isIndexAction(name string) bool {
	return strings.HasPrefix(name, "indices:") || strings.HasPrefix(name, "internal:transport/proxy/indices:")
}

// ClusterPrivilege resolves a cluster privilege name or action pattern to the
// set of cluster actions it grants.
func ClusterPrivilege(name string) (Set, error) {
	cs, _ := privSets()
	n := normalizePrivilege(name)
	if s, ok := cs[n]; ok {
		return s, nil
	}
	if isClusterAction(n) {
		s, err := Pattern(n + "*")
		if err != nil {
			return Set{}, err
		}
		return withOwn(s), nil
	}
	return Set{}, fmt.Errorf("unknown cluster privilege [%s]", name)
}

// IndexPrivilege resolves an index privilege name or action pattern.
func IndexPrivilege(name string) (Set, error) {
	_, is := privSets()
	n := normalizePrivilege(name)
	if s, ok := is[n]; ok {
		return s, nil
	}
	if isIndexAction(n) {
		return Pattern(n + "*")
	}
	return Set{}, fmt.Errorf("unknown index privilege [%s]", name)
}

// ClusterPrivilegeNames lists the named cluster privileges of the pinned
// version.
func ClusterPrivilegeNames() []string { return sortedKeys(clusterPrivileges) }

// IndexPrivilegeNames lists the named index privileges.
func IndexPrivilegeNames() []string { return sortedKeys(indexPrivileges) }

// restrictedIndices are the names a pattern covers only with
// allow_restricted_indices: the security indices and their aliases, and the
// other restricted system indices.
var restrictedIndexPatterns = []string{".security", ".security-*", ".security-tokens*", ".security-profile*",
	".async-search*", ".fleet-secrets*"}

var (
	restrictedOnce sync.Once
	restrictedSet  Set
	securitySet    Set
	ordinarySet    Set
)

func restrictedIndices() Set {
	restrictedOnce.Do(func() {
		restrictedSet = mustPatterns(restrictedIndexPatterns...)
		securitySet = mustPatterns(".security", ".security-*", ".security-tokens*", ".security-profile*")
		// "Every index" for the risk classification: every valid index name
		// that starts with a letter (index names are lower case). A grant
		// covering all of them covers every ordinary index, however the
		// pattern is spelled (*, ?*, **, /.*/, /[a-z].*/, a*,/[^a].*/).
		ordinarySet = MustPattern("/[a-z][a-z0-9._+-]*/")
	})
	return restrictedSet
}

// RestrictedIndices is the set of restricted index names.
func RestrictedIndices() Set { return restrictedIndices() }

// IsRestrictedIndex reports whether a concrete index name is restricted.
func IsRestrictedIndex(name string) bool { return restrictedIndices().Contains(name) }

func securityIndices() Set { restrictedIndices(); return securitySet }
func ordinaryIndices() Set { restrictedIndices(); return ordinarySet }

// Kibana's application name and privilege implication: global all covers
// everything; read covers read-level features; space_all and space_read
// likewise inside a space; a feature's all covers its read and minimal_read.
const KibanaApplication = "kibana-.kibana"

func kibanaPrivImplies(granted, requested string) bool {
	if granted == requested || granted == "*" {
		return true
	}
	readLevel := func(p string) bool {
		return p == "space_read" || (strings.HasPrefix(p, "feature_") &&
			(strings.HasSuffix(p, ".read") || strings.HasSuffix(p, ".minimal_read")))
	}
	switch granted {
	case "all":
		return true
	case "read":
		return readLevel(requested)
	case "space_all":
		return requested == "space_read" || strings.HasPrefix(requested, "feature_")
	case "space_read":
		return readLevel(requested) && requested != "space_read"
	}
	if strings.HasPrefix(granted, "feature_") && strings.HasPrefix(requested, "feature_") {
		gi, ri := strings.LastIndex(granted, "."), strings.LastIndex(requested, ".")
		if gi < 0 || ri < 0 || granted[:gi] != requested[:ri] {
			return false
		}
		switch granted[gi+1:] {
		case "all":
			return true
		case "minimal_all", "read":
			return requested[ri+1:] == "minimal_read"
		}
	}
	return false
}

// appPrivImplies: without stored application-privilege definitions a name
// implies only itself; a granted action pattern (containing '/' or ':')
// covers the matching actions.
func appPrivImplies(app, granted, requested string) bool {
	if granted == requested || granted == "*" {
		return true
	}
	if app == KibanaApplication {
		return kibanaPrivImplies(granted, requested)
	}
	if strings.ContainsAny(granted, "/:*") {
		g, err := Pattern(granted)
		return err == nil && g.Contains(requested)
	}
	return false
}
