package stackemu

import (
	"sort"
	"strings"
	"sync"

	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
)

// Privileges are modelled as Elasticsearch models them: a named privilege is a
// set of action-name patterns (with exclusions), and one privilege implies
// another when its action set contains the other's. Elasticsearch compares
// automata; the emulator compares the sets over a finite universe of
// representative action names (every concrete action it knows, plus one
// sample name under each pattern). That is exact for the privileges below,
// whose patterns nest or are disjoint, and it is what _has_privileges, the
// 403 "granted by" lists and the least-to-most-privileged ordering use.

type privDef struct {
	include []string
	exclude []string
}

// ownPrefix marks actions on the caller's own API keys, which
// manage_own_api_key grants without granting the same action on other
// users' keys. A privilege that grants an action also grants its own-key form.
const ownPrefix = "own:"

const apiKeyActions = "cluster:admin/xpack/security/api_key/"

var clusterAll = []string{"cluster:*", "indices:admin/template/*", "indices:admin/index_template/*"}

// clusterPrivileges pins the Elasticsearch 9.1 cluster privileges. Patterns
// follow ClusterPrivilegeResolver (reference §8.1).
var clusterPrivileges = sync.OnceValue(clusterPrivilegeTable)

func clusterPrivilegeTable() map[string]privDef {
	return map[string]privDef{
		"none":    {},
		"all":     {include: clusterAll},
		"manage":  {include: clusterAll, exclude: []string{"cluster:admin/xpack/security/*", "cluster:internal/remote_cluster/*"}},
		"monitor": {include: []string{"cluster:monitor/*", "indices:admin/template/get", "indices:admin/index_template/get"}},
		"manage_security": {include: []string{"cluster:admin/xpack/security/*"},
			exclude: []string{"cluster:admin/xpack/security/delegate_pki"}},
		"read_security": {include: []string{
			apiKeyActions + "get", apiKeyActions + "query",
			"cluster:admin/xpack/security/privilege/builtin/get", "cluster:admin/xpack/security/privilege/get",
			"cluster:admin/xpack/security/profile/get", "cluster:admin/xpack/security/profile/suggest",
			"cluster:admin/xpack/security/role/get", "cluster:admin/xpack/security/role/query",
			"cluster:admin/xpack/security/role_mapping/get",
			"cluster:admin/xpack/security/service_account/get", "cluster:admin/xpack/security/service_account/credential/get*",
			"cluster:admin/xpack/security/user/get", "cluster:admin/xpack/security/user/query",
			"cluster:admin/xpack/security/user/list_privileges", "cluster:admin/xpack/security/user/has_privileges",
			"cluster:admin/xpack/security/settings/get",
		}},
		"manage_api_key":     {include: []string{apiKeyActions + "*"}},
		"manage_own_api_key": {include: []string{ownPrefix + apiKeyActions + "*"}, exclude: []string{ownPrefix + apiKeyActions + "grant*"}},
		"grant_api_key":      {include: []string{apiKeyActions + "grant*"}},
		"manage_token":       {include: []string{"cluster:admin/xpack/security/token/*", "cluster:admin/xpack/security/refresh_token/*"}},
		"manage_saml": {include: []string{"cluster:admin/xpack/security/saml/*",
			"cluster:admin/xpack/security/token/invalidate", "cluster:admin/xpack/security/token/refresh"}},
		"manage_oidc":             {include: []string{"cluster:admin/xpack/security/oidc/*"}},
		"manage_service_account":  {include: []string{"cluster:admin/xpack/security/service_account/*"}},
		"manage_user_profile":     {include: []string{"cluster:admin/xpack/security/profile/*"}},
		"delegate_pki":            {include: []string{"cluster:admin/xpack/security/delegate_pki"}},
		"manage_index_templates":  {include: []string{"indices:admin/template/*", "indices:admin/index_template/*", "cluster:admin/component_template/*"}},
		"manage_ingest_pipelines": {include: []string{"cluster:admin/ingest/pipeline/*"}},
		"manage_pipeline":         {include: []string{"cluster:admin/ingest/pipeline/*"}},
		"read_pipeline":           {include: []string{"cluster:admin/ingest/pipeline/get", "cluster:admin/ingest/pipeline/simulate"}},
		"manage_ilm":              {include: []string{"cluster:admin/ilm/*"}},
		"read_ilm":                {include: []string{"cluster:admin/ilm/get", "cluster:admin/ilm/operation_mode/get"}},
		"manage_slm": {include: []string{"cluster:admin/slm/*", "cluster:admin/ilm/start", "cluster:admin/ilm/stop",
			"cluster:admin/ilm/operation_mode/get"}},
		"read_slm":                      {include: []string{"cluster:admin/slm/get", "cluster:admin/slm/status", "cluster:admin/ilm/operation_mode/get"}},
		"manage_ml":                     {include: []string{"cluster:admin/xpack/ml/*", "cluster:monitor/xpack/ml/*"}},
		"monitor_ml":                    {include: []string{"cluster:monitor/xpack/ml/*"}},
		"manage_transform":              {include: []string{"cluster:admin/transform/*", "cluster:admin/data_frame/*", "cluster:monitor/transform/*", "cluster:monitor/data_frame/*"}},
		"manage_data_frame_transforms":  {include: []string{"cluster:admin/transform/*", "cluster:admin/data_frame/*", "cluster:monitor/transform/*", "cluster:monitor/data_frame/*"}},
		"monitor_transform":             {include: []string{"cluster:monitor/transform/*", "cluster:monitor/data_frame/*"}},
		"monitor_data_frame_transforms": {include: []string{"cluster:monitor/transform/*", "cluster:monitor/data_frame/*"}},
		"manage_watcher":                {include: []string{"cluster:admin/xpack/watcher/*", "cluster:monitor/xpack/watcher/*"}},
		"monitor_watcher":               {include: []string{"cluster:monitor/xpack/watcher/*"}},
		"manage_enrich":                 {include: []string{"cluster:admin/xpack/enrich/*", "cluster:monitor/xpack/enrich/*"}},
		"monitor_enrich":                {include: []string{"cluster:monitor/xpack/enrich/*"}},
		// monitor_esql is new in 9.1 (Elastic's privileges reference: "stack: ga
		// 9.1"): with it the 9.1 list has 63 cluster privileges.
		"monitor_esql":                         {include: []string{"cluster:monitor/xpack/esql/*"}},
		"cancel_task":                          {include: []string{"cluster:admin/tasks/cancel*"}},
		"manage_ccr":                           {include: []string{"cluster:admin/xpack/ccr/*", "cluster:monitor/state", "cluster:monitor/xpack/ccr/*"}},
		"read_ccr":                             {include: []string{"cluster:monitor/state", "cluster:monitor/xpack/ccr/*"}},
		"create_snapshot":                      {include: []string{"cluster:admin/snapshot/create", "cluster:admin/snapshot/status*", "cluster:admin/snapshot/get", "cluster:admin/repository/get"}},
		"monitor_snapshot":                     {include: []string{"cluster:admin/snapshot/status*", "cluster:admin/snapshot/get", "cluster:admin/repository/get"}},
		"manage_rollup":                        {include: []string{"cluster:admin/xpack/rollup/*", "cluster:monitor/xpack/rollup/*"}},
		"monitor_rollup":                       {include: []string{"cluster:monitor/xpack/rollup/*"}},
		"transport_client":                     {include: []string{"cluster:monitor/nodes/liveness", "cluster:monitor/state"}},
		"manage_autoscaling":                   {include: []string{"cluster:admin/autoscaling/*"}},
		"manage_logstash_pipelines":            {include: []string{"cluster:admin/logstash/pipeline/*"}},
		"manage_inference":                     {include: []string{"cluster:admin/xpack/inference/*", "cluster:monitor/xpack/inference*"}},
		"monitor_inference":                    {include: []string{"cluster:monitor/xpack/inference*"}},
		"manage_search_application":            {include: []string{"cluster:admin/xpack/application/search_application/*"}},
		"manage_behavioral_analytics":          {include: []string{"cluster:admin/xpack/application/analytics/*"}},
		"post_behavioral_analytics_event":      {include: []string{"cluster:admin/xpack/application/analytics/post_event"}},
		"manage_search_query_rules":            {include: []string{"cluster:admin/xpack/query_rules/*"}},
		"manage_search_synonyms":               {include: []string{"cluster:admin/synonyms/*", "cluster:admin/synonyms_sets/*", "cluster:admin/synonym_rules/*"}},
		"manage_connector":                     {include: []string{"cluster:admin/xpack/connector/*"}},
		"monitor_connector":                    {include: []string{"cluster:admin/xpack/connector/get", "cluster:admin/xpack/connector/list", "cluster:admin/xpack/connector/sync_job/get", "cluster:admin/xpack/connector/sync_job/list"}},
		"read_connector_secrets":               {include: []string{"cluster:admin/xpack/connector/secret/get"}},
		"write_connector_secrets":              {include: []string{"cluster:admin/xpack/connector/secret/post", "cluster:admin/xpack/connector/secret/put", "cluster:admin/xpack/connector/secret/delete"}},
		"read_fleet_secrets":                   {include: []string{"cluster:admin/fleet/secrets/get"}},
		"write_fleet_secrets":                  {include: []string{"cluster:admin/fleet/secrets/post", "cluster:admin/fleet/secrets/delete"}},
		"cross_cluster_search":                 {include: []string{"cluster:internal/remote_cluster/handshake", "cluster:internal/remote_cluster/nodes", "cluster:monitor/xpack/enrich/esql/resolve_policy"}},
		"cross_cluster_replication":            {include: []string{"cluster:internal/remote_cluster/handshake", "cluster:internal/remote_cluster/nodes", "cluster:monitor/state"}},
		"manage_data_stream_global_retention":  {},
		"monitor_data_stream_global_retention": {},
		"monitor_stats":                        {include: []string{"cluster:monitor/stats*", "cluster:monitor/xpack/usage*"}},
		"monitor_text_structure":               {include: []string{"cluster:monitor/text_structure/*"}},
	}
}

// serverlessHiddenCluster lists the cluster privileges that the privileges
// reference marks "not available in Elastic Cloud Serverless".
var serverlessHiddenCluster = map[string]bool{
	"create_snapshot": true, "cross_cluster_replication": true, "cross_cluster_search": true, "grant_api_key": true,
	"manage_autoscaling": true, "manage_ccr": true, "manage_data_frame_transforms": true, "manage_ilm": true,
	"manage_oidc": true, "manage_rollup": true, "manage_saml": true, "manage_service_account": true,
	"manage_slm": true, "manage_token": true, "manage_watcher": true, "monitor_rollup": true,
	"monitor_snapshot": true, "monitor_stats": true, "monitor_text_structure": true, "monitor_watcher": true,
	"read_ccr": true, "read_ilm": true, "read_slm": true, "transport_client": true, "delegate_pki": true,
}

// indexPrivileges follows IndexPrivilege's automata.
var indexPrivileges = sync.OnceValue(indexPrivilegeTable)

func indexPrivilegeTable() map[string]privDef {
	return map[string]privDef{
		"none": {},
		"all":  {include: []string{"indices:*", "internal:transport/proxy/indices:*"}},
		"read": {include: []string{"indices:data/read/*", "indices:admin/resolve/index", "indices:admin/resolve/cluster"}},
		"read_cross_cluster": {include: []string{"internal:transport/proxy/indices:data/read/*",
			"indices:admin/shards/search_shards", "indices:admin/search/search_shards", "indices:data/read/esql/cluster"}},
		"create": {include: []string{"indices:data/write/index*", "indices:data/write/bulk*", "indices:admin/mapping/auto_put"},
			exclude: []string{"indices:data/write/index:op_type/index"}},
		"create_doc": {include: []string{"indices:data/write/index", "indices:data/write/index:op_type/create",
			"indices:data/write/bulk*", "indices:admin/mapping/auto_put"}},
		"index": {include: []string{"indices:data/write/index*", "indices:data/write/bulk*", "indices:data/write/update*",
			"indices:admin/mapping/auto_put"}},
		"delete":       {include: []string{"indices:data/write/delete*", "indices:data/write/bulk*"}},
		"write":        {include: []string{"indices:data/write/*", "indices:admin/mapping/auto_put"}},
		"monitor":      {include: []string{"indices:monitor/*"}},
		"manage":       {include: []string{"indices:monitor/*", "indices:admin/*", "indices:data/read/field_caps*"}},
		"create_index": {include: []string{"indices:admin/create", "indices:admin/auto_create", "indices:admin/data_stream/create"}},
		"delete_index": {include: []string{"indices:admin/delete", "indices:admin/data_stream/delete"}},
		"view_index_metadata": {include: []string{"indices:admin/aliases/get", "indices:admin/get",
			"indices:admin/mappings/fields/get*", "indices:admin/mappings/get", "indices:admin/shards/search_shards",
			"indices:admin/validate/query*", "indices:monitor/settings/get", "indices:admin/ilm/explain",
			"indices:admin/data_stream/get", "indices:admin/resolve/index", "indices:data/read/field_caps*"}},
		"maintenance": {include: []string{"indices:admin/refresh*", "indices:admin/flush*", "indices:admin/synced_flush",
			"indices:admin/forcemerge*"}},
		"auto_configure":                     {include: []string{"indices:admin/mapping/auto_put", "indices:admin/auto_create"}},
		"manage_ilm":                         {include: []string{"indices:admin/ilm/*"}},
		"manage_follow_index":                {include: []string{"indices:admin/xpack/ccr/put_follow", "indices:admin/xpack/ccr/unfollow", "indices:admin/close*", "indices:admin/data_stream/promote"}},
		"manage_leader_index":                {include: []string{"indices:admin/xpack/ccr/forget_follower*"}},
		"manage_data_stream_lifecycle":       {include: []string{"indices:admin/data_stream/lifecycle/*"}},
		"cross_cluster_replication":          {include: []string{"indices:data/read/xpack/ccr/shard_changes*", "indices:monitor/stats"}},
		"cross_cluster_replication_internal": {include: []string{"indices:internal/admin/ccr/restore/*", "internal:transport/proxy/indices:internal/admin/ccr/restore/*"}},
		// The failure-store privileges (8.19 and 9.x, 24 index privileges) act
		// on the ::failures component only, which the emulator has no actions
		// for: their own pseudo-actions keep them apart from read and manage on
		// data, while "all" (indices:*) still covers them.
		"read_failure_store":   {include: []string{"indices:failure_store/read/*"}},
		"manage_failure_store": {include: []string{"indices:failure_store/admin/*"}},
	}
}

var remoteClusterPrivileges = []string{"monitor_enrich", "monitor_stats"}

// isClusterAction is ClusterPrivilegeResolver.isClusterAction: raw action
// patterns allowed in a role's cluster list.
func isClusterAction(name string) bool {
	return strings.HasPrefix(name, "cluster:") || strings.HasPrefix(name, "indices:admin/template/") ||
		strings.HasPrefix(name, "indices:admin/index_template/")
}

func isIndexAction(name string) bool {
	return strings.HasPrefix(name, "indices:") || strings.HasPrefix(name, "internal:transport/proxy/indices:")
}

// globMatch matches Elasticsearch simple wildcard patterns (only '*').
func globMatch(pattern, s string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == s
	}
	if pattern == "*" {
		return true
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}

// Index name patterns are compared as Elasticsearch compares them: as
// automata (wildcards with * and ?, Lucene regular expressions between
// slashes, including @, <n-m>, & and ~ anywhere), using the policy package's
// pattern sets. A granted group without allow_restricted_indices loses the
// restricted names; a requested pattern without it does too, unless it is a
// concrete restricted name (IndicesPermission.checkResourcePrivileges).
var nameSets sync.Map // pattern -> policy.Set

func nameSet(pattern string) (policy.Set, bool) {
	if v, ok := nameSets.Load(pattern); ok {
		s, _ := v.(policy.Set)
		return s, true
	}
	s, err := policy.Pattern(pattern)
	if err != nil {
		return policy.Set{}, false
	}
	nameSets.Store(pattern, s)
	return s, true
}

var restrictedOnce = sync.OnceValue(func() policy.Set {
	s, _ := policy.Patterns(restrictedPatterns...)
	return s
})

// requestedIndexSet is the set a _has_privileges index entry asks about.
func requestedIndexSet(name string, allowRestricted bool) (policy.Set, bool) {
	s, ok := nameSet(name)
	if !ok {
		return policy.Set{}, false
	}
	concrete := !strings.ContainsAny(name, "*?") && !strings.HasPrefix(name, "/")
	if !allowRestricted && !(concrete && isRestrictedName(name)) {
		s = s.Minus(restrictedOnce())
	}
	return s, true
}

// grantedIndexCovers reports whether an index group's names cover the
// requested set.
func grantedIndexCovers(ip indexPriv, requested policy.Set) bool {
	return requested.SubsetOf(grantedIndexSet(ip))
}

var grantedSets sync.Map // names + allow_restricted_indices -> policy.Set

func grantedIndexSet(ip indexPriv) policy.Set {
	key := strings.Join(ip.Names, "\x00")
	if ip.AllowRestricted {
		key += "\x00+restricted"
	}
	if v, ok := grantedSets.Load(key); ok {
		s, _ := v.(policy.Set)
		return s
	}
	var granted policy.Set
	for _, n := range ip.Names {
		if s, ok := nameSet(n); ok {
			granted = granted.Union(s)
		}
	}
	if !ip.AllowRestricted {
		granted = granted.Minus(restrictedOnce())
	}
	grantedSets.Store(key, granted)
	return granted
}

// globSubset reports whether every name matched by sub is matched by sup
// (both '*'/'?' glob patterns; a literal is a pattern matching itself). A '*'
// in sup consumes anything, including a wildcard of sub; a literal or '?' in
// sup cannot cover a '*' of sub.
func globSubset(sub, sup string) bool {
	memo := map[[2]int]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		key := [2]int{i, j}
		if v, ok := memo[key]; ok {
			return v
		}
		var res bool
		switch {
		case j == len(sup):
			res = i == len(sub)
		case sup[j] == '*':
			res = rec(i, j+1) || (i < len(sub) && rec(i+1, j))
		case i == len(sub):
			res = false
		case sub[i] == '*':
			res = false
		case sup[j] == '?':
			res = rec(i+1, j+1)
		case sub[i] == '?':
			res = false
		default:
			res = sub[i] == sup[j] && rec(i+1, j+1)
		}
		memo[key] = res
		return res
	}
	return rec(0, 0)
}

func (d privDef) contains(action string) bool {
	if strings.HasPrefix(action, ownPrefix) && d.contains(strings.TrimPrefix(action, ownPrefix)) {
		return true
	}
	ok := false
	for _, p := range d.include {
		if actionMatch(p, action) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	for _, p := range d.exclude {
		if actionMatch(p, action) {
			return false
		}
	}
	return true
}

// actionMatch matches an action against an action pattern, where * matches
// any string and ? one character (Automatons.patterns).
func actionMatch(pattern, action string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == action
	}
	if !strings.ContainsAny(action, "*?") {
		return actionGlobMatch(pattern, action)
	}
	return globSubset(action, pattern)
}

// actionGlobMatch matches a concrete name against a '*'/'?' pattern without
// allocating: the privilege model matches every action of its universe
// against every pattern of every privilege, and globSubset's memo map per
// match made the first authorisation allocate about 850 MB.
func actionGlobMatch(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0 // the last '*' seen in pattern, and where name stood then
	for n < len(name) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == name[n]):
			p++
			n++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case star >= 0:
			mark++
			p, n = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// actionPattern is ClusterPrivilegeResolver/IndexPrivilege.actionToPattern:
// a raw action in a role or a privileges check also covers its sub-actions.
func actionPattern(name string) string { return name + "*" }

// sample turns a pattern into a representative concrete name.
func sample(pattern string) string { return strings.ReplaceAll(pattern, "*", "x") }

type privModel struct {
	defs     map[string]privDef
	universe []string
	ordered  []string // least to most privileged, then by name
}

func newPrivModel(defs map[string]privDef, extra []string) *privModel {
	m := &privModel{defs: defs}
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			m.universe = append(m.universe, a)
		}
	}
	for _, d := range defs {
		for _, p := range append(append([]string{}, d.include...), d.exclude...) {
			add(sample(p))
			add(strings.TrimSuffix(p, "*"))
			if !strings.HasPrefix(p, ownPrefix) && strings.HasPrefix(p, apiKeyActions) {
				add(ownPrefix + sample(p))
			}
		}
	}
	for _, a := range extra {
		add(a)
		if strings.HasPrefix(a, apiKeyActions) {
			add(ownPrefix + a)
		}
	}
	sort.Strings(m.universe)
	// ClusterPrivilegeResolver.sortByAccessLevel: by how many other
	// privileges each one implies, then by name.
	// n implies o when n contains every universe action o contains (what
	// implies checks); each privilege's actions are listed once here rather
	// than again for every pair, which took about 0.1 s of CPU.
	actions := map[string]map[string]bool{}
	for n := range defs {
		set := map[string]bool{}
		for _, a := range m.actionsOf(n) {
			set[a] = true
		}
		actions[n] = set
	}
	count := map[string]int{}
	for n := range defs {
		for o := range defs {
			if n != o && containsAll(actions[n], actions[o]) {
				count[n]++
			}
		}
	}
	for n := range defs {
		m.ordered = append(m.ordered, n)
	}
	sort.Slice(m.ordered, func(i, j int) bool {
		a, b := m.ordered[i], m.ordered[j]
		if count[a] != count[b] {
			return count[a] < count[b]
		}
		return a < b
	})
	return m
}

func containsAll(set, sub map[string]bool) bool {
	for a := range sub {
		if !set[a] {
			return false
		}
	}
	return true
}

// actionsOf lists the universe actions of a privilege name or action pattern.
func (m *privModel) actionsOf(name string) []string {
	var out []string
	if d, ok := m.defs[name]; ok {
		for _, a := range m.universe {
			if d.contains(a) {
				out = append(out, a)
			}
		}
		return out
	}
	pattern := actionPattern(name)
	for _, a := range m.universe {
		if actionMatch(pattern, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = append(out, sample(pattern))
	}
	return out
}

// implies reports whether the privilege set d contains every action of the
// named privilege.
func (m *privModel) implies(d privDef, name string) bool {
	for _, a := range m.actionsOf(name) {
		if !d.contains(a) {
			return false
		}
	}
	return true
}

// grantsAction resolves a granted name (privilege or raw action pattern).
func (m *privModel) grantsAction(granted, action string) bool {
	if d, ok := m.defs[granted]; ok {
		return d.contains(action)
	}
	return privDef{include: []string{actionPattern(granted)}}.contains(action)
}

// grantedBy lists the privileges that grant action, least privileged first
// (the "this action is granted by the cluster privileges [...]" list).
func (m *privModel) grantedBy(action string) []string {
	var out []string
	for _, n := range m.ordered {
		if m.defs[n].contains(action) || m.defs[n].contains(ownPrefix+action) {
			out = append(out, n)
		}
	}
	return out
}

// knownActions are the concrete actions the emulator's endpoints perform.
var knownActions = []string{
	"cluster:monitor/main",
	"cluster:admin/xpack/security/user/put", "cluster:admin/xpack/security/user/get",
	"cluster:admin/xpack/security/user/delete", "cluster:admin/xpack/security/user/change_password",
	"cluster:admin/xpack/security/user/set_enabled", "cluster:admin/xpack/security/user/query",
	"cluster:admin/xpack/security/user/authenticate", "cluster:admin/xpack/security/user/has_privileges",
	"cluster:admin/xpack/security/user/list_privileges",
	"cluster:admin/xpack/security/role/put", "cluster:admin/xpack/security/role/get",
	"cluster:admin/xpack/security/role/delete", "cluster:admin/xpack/security/role/bulk_put",
	"cluster:admin/xpack/security/role/bulk_delete", "cluster:admin/xpack/security/role/query",
	"cluster:admin/xpack/security/role_mapping/put", "cluster:admin/xpack/security/role_mapping/get",
	"cluster:admin/xpack/security/role_mapping/delete",
	"cluster:admin/xpack/security/privilege/builtin/get",
	apiKeyActions + "create", apiKeyActions + "get", apiKeyActions + "query", apiKeyActions + "invalidate",
	apiKeyActions + "update", apiKeyActions + "bulk_update", apiKeyActions + "grant",
}

var (
	modelsOnce   sync.Once
	clusterModel *privModel
	indexModel   *privModel
)

func models() (*privModel, *privModel) {
	modelsOnce.Do(func() {
		clusterModel = newPrivModel(clusterPrivileges(), knownActions)
		indexModel = newPrivModel(indexPrivileges(), nil)
	})
	return clusterModel, indexModel
}

// builtinClusterNames is the GET privilege/_builtin cluster list (sorted).
func builtinClusterNames(f Flavor) []string {
	var out []string
	for n := range clusterPrivileges() {
		if f == FlavorServerless && serverlessHiddenCluster[n] {
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func builtinIndexNames() []string {
	var out []string
	for n := range indexPrivileges() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// clusterOrderedNames is the list used in the unknown-cluster-privilege
// message, least to most privileged.
func clusterOrderedNames(f Flavor) []string {
	cm, _ := models()
	var out []string
	for _, n := range cm.ordered {
		if f == FlavorServerless && serverlessHiddenCluster[n] {
			continue
		}
		out = append(out, n)
	}
	return out
}

func unknownClusterPrivilegeMsg(f Flavor, name string) string {
	return "unknown cluster privilege [" + name + "]. a privilege must be either one of the predefined cluster " +
		"privilege names [" + strings.Join(clusterOrderedNames(f), ",") + "] or a pattern over one of the available " +
		"cluster actions"
}

func unknownIndexPrivilegeMsg(name string) string {
	return "unknown index privilege [" + name + "]. a privilege must be either one of the predefined fixed indices " +
		"privileges [" + strings.Join(builtinIndexNames(), ",") + "] or a pattern over one of the available index actions"
}

// validClusterPrivilege reports whether name (already lowercased) resolves.
func validClusterPrivilege(f Flavor, name string) bool {
	if _, ok := clusterPrivileges()[name]; ok {
		return !(f == FlavorServerless && serverlessHiddenCluster[name])
	}
	return isClusterAction(name)
}

func validIndexPrivilege(name string) bool {
	if _, ok := indexPrivileges()[name]; ok {
		return true
	}
	return isIndexAction(name)
}

// restricted index names (the .security and other system indices that a
// pattern covers only with allow_restricted_indices).
var restrictedPatterns = []string{".security", ".security-*", ".security-tokens*", ".security-profile*",
	".async-search*", ".fleet-secrets*"}

func isRestrictedName(name string) bool {
	for _, p := range restrictedPatterns {
		if globMatch(p, name) {
			return true
		}
	}
	return false
}

// Kibana application privileges imply each other the way Kibana registers
// their actions: global all ⊇ everything; read ⊇ read-level features;
// space_all and space_read likewise inside a space; feature all ⊇ read ⊇
// minimal_read.
const kibanaApp = "kibana-.kibana"

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
		g, r := granted[gi+1:], requested[ri+1:]
		switch g {
		case "all":
			return true
		case "minimal_all":
			return r == "minimal_read"
		case "read":
			return r == "minimal_read"
		}
	}
	return false
}

func appPrivImplies(app, granted, requested string) bool {
	if granted == requested || granted == "*" {
		return true
	}
	if app == kibanaApp {
		return kibanaPrivImplies(granted, requested)
	}
	// Without stored application-privilege definitions a name implies only
	// itself; a granted action pattern (containing '/' or ':') covers
	// matching actions.
	if strings.ContainsAny(granted, "/:*") {
		return globMatch(granted, requested)
	}
	return false
}
