package stackemu

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// rctx is one Elasticsearch request in flight.
type rctx struct {
	c      *Cluster
	w      http.ResponseWriter
	r      *http.Request
	params map[string]string
	q      url.Values
	body   []byte
	who    *authn
}

type endpoint struct {
	// action is the transport action checked before the handler runs; ""
	// lets the handler authorize itself (own-resource rules) or marks an
	// action every authenticated principal may run.
	action string
	// stackOnly endpoints answer 410 on Serverless.
	stackOnly bool
	params    []string
	handle    func(x *rctx)
}

type route struct {
	segs    []string
	methods map[string]*endpoint
}

// Parameters every Elasticsearch REST endpoint accepts.
var globalParams = []string{"pretty", "human", "error_trace", "filter_path", "source", "source_content_type"}

var (
	esRoutesOnce sync.Once
	esRoutes     []*route
)

func routes() []*route {
	esRoutesOnce.Do(func() { esRoutes = buildRoutes() })
	return esRoutes
}

func buildRoutes() []*route {
	var rs []*route
	add := func(path string, methods map[string]*endpoint) {
		rs = append(rs, &route{segs: splitPath(path), methods: methods})
	}
	refresh := []string{"refresh"}
	sec := "cluster:admin/xpack/security/"
	userPut := &endpoint{action: sec + "user/put", stackOnly: true, params: refresh, handle: handlePutUser}
	pw := &endpoint{stackOnly: true, params: refresh, handle: handleChangePassword}
	enable := &endpoint{action: sec + "user/set_enabled", stackOnly: true, params: refresh, handle: handleSetEnabled(true)}
	disable := &endpoint{action: sec + "user/set_enabled", stackOnly: true, params: refresh, handle: handleSetEnabled(false)}
	hasPriv := &endpoint{handle: handleHasPrivileges}
	rolePut := &endpoint{action: sec + "role/put", params: refresh, handle: handlePutRole}
	rmPut := &endpoint{action: sec + "role_mapping/put", stackOnly: true, params: refresh, handle: handlePutRoleMapping}
	createKey := &endpoint{params: refresh, handle: handleCreateAPIKey}
	queryUser := &endpoint{action: sec + "user/query", stackOnly: true, params: []string{"with_profile_uid", "typed_keys"}, handle: handleQueryUsers}
	queryRole := &endpoint{action: sec + "role/query", handle: handleQueryRoles}
	queryKey := &endpoint{params: []string{"with_limited_by", "with_profile_uid", "typed_keys"}, handle: handleQueryAPIKeys}

	add("/", map[string]*endpoint{"GET": {action: "cluster:monitor/main", handle: handleInfo}})
	healthParams := []string{"expand_wildcards", "level", "local", "master_timeout", "timeout", "wait_for_active_shards",
		"wait_for_events", "wait_for_nodes", "wait_for_no_initializing_shards", "wait_for_no_relocating_shards", "wait_for_status"}
	health := &endpoint{action: "cluster:monitor/health", params: healthParams, handle: handleClusterHealth}
	add("/_cluster/health", map[string]*endpoint{"GET": health})
	add("/_cluster/health/{index}", map[string]*endpoint{"GET": health})
	add("/_security/_authenticate", map[string]*endpoint{"GET": {handle: handleAuthenticate}})
	add("/_security/user/_has_privileges", map[string]*endpoint{"GET": hasPriv, "POST": hasPriv})
	add("/_security/user/_password", map[string]*endpoint{"PUT": pw, "POST": pw})
	add("/_security/user/_privileges", map[string]*endpoint{"GET": {stackOnly: true, handle: handleGetUserPrivileges}})
	add("/_security/user", map[string]*endpoint{"GET": {action: sec + "user/get", stackOnly: true, params: []string{"with_profile_uid"}, handle: handleGetUsers}})
	add("/_security/user/{username}", map[string]*endpoint{
		"GET":    {action: sec + "user/get", stackOnly: true, params: []string{"with_profile_uid"}, handle: handleGetUsers},
		"PUT":    userPut,
		"POST":   userPut,
		"DELETE": {action: sec + "user/delete", stackOnly: true, params: refresh, handle: handleDeleteUser},
	})
	add("/_security/user/{username}/_password", map[string]*endpoint{"PUT": pw, "POST": pw})
	add("/_security/user/{username}/_enable", map[string]*endpoint{"PUT": enable, "POST": enable})
	add("/_security/user/{username}/_disable", map[string]*endpoint{"PUT": disable, "POST": disable})
	add("/_security/user/{user}/_has_privileges", map[string]*endpoint{"GET": hasPriv, "POST": hasPriv})
	add("/_security/_query/user", map[string]*endpoint{"GET": queryUser, "POST": queryUser})

	add("/_security/role", map[string]*endpoint{
		"GET":    {action: sec + "role/get", handle: handleGetRoles},
		"POST":   {action: sec + "role/bulk_put", stackOnly: true, params: refresh, handle: handleBulkPutRoles},
		"DELETE": {action: sec + "role/bulk_delete", stackOnly: true, params: refresh, handle: handleBulkDeleteRoles},
	})
	add("/_security/role/{name}", map[string]*endpoint{
		"GET":    {action: sec + "role/get", handle: handleGetRoles},
		"PUT":    rolePut,
		"POST":   rolePut,
		"DELETE": {action: sec + "role/delete", params: refresh, handle: handleDeleteRole},
	})
	add("/_security/_query/role", map[string]*endpoint{"GET": queryRole, "POST": queryRole})

	add("/_security/role_mapping", map[string]*endpoint{"GET": {action: sec + "role_mapping/get", stackOnly: true, handle: handleGetRoleMappings}})
	add("/_security/role_mapping/{name}", map[string]*endpoint{
		"GET":    {action: sec + "role_mapping/get", stackOnly: true, handle: handleGetRoleMappings},
		"PUT":    rmPut,
		"POST":   rmPut,
		"DELETE": {action: sec + "role_mapping/delete", stackOnly: true, params: refresh, handle: handleDeleteRoleMapping},
	})

	privPut := &endpoint{action: sec + "privilege/put", stackOnly: true, params: refresh, handle: handlePutPrivileges}
	privGet := &endpoint{action: sec + "privilege/get", stackOnly: true, handle: handleGetPrivileges}
	privClear := &endpoint{action: sec + "privilege/cache/clear", stackOnly: true, handle: handleClearPrivilegesCache}
	add("/_security/privilege", map[string]*endpoint{"GET": privGet, "PUT": privPut, "POST": privPut})
	add("/_security/privilege/{application}", map[string]*endpoint{"GET": privGet})
	add("/_security/privilege/{application}/{name}", map[string]*endpoint{"GET": privGet,
		"DELETE": {action: sec + "privilege/delete", stackOnly: true, params: refresh, handle: handleDeletePrivileges}})
	add("/_security/privilege/{application}/_clear_cache", map[string]*endpoint{"POST": privClear})
	add("/_security/privilege/_clear_cache", map[string]*endpoint{"POST": privClear})
	add("/_security/oauth2/token", map[string]*endpoint{"POST": {stackOnly: true, handle: handleGetToken},
		"DELETE": {stackOnly: true, handle: handleInvalidateToken}})
	add("/_security/profile/_activate", map[string]*endpoint{"POST": {stackOnly: true, handle: handleActivateProfile}})
	add("/_security/profile/_has_privileges", map[string]*endpoint{"GET": {action: sec + "profile/has_privileges", handle: handleProfileHasPrivileges},
		"POST": {action: sec + "profile/has_privileges", handle: handleProfileHasPrivileges}})
	suggest := &endpoint{action: sec + "profile/suggest", params: []string{"data"}, handle: handleSuggestProfiles}
	add("/_security/profile/_suggest", map[string]*endpoint{"GET": suggest, "POST": suggest})
	add("/_security/profile/{uid}", map[string]*endpoint{"GET": {action: sec + "profile/get", params: []string{"data"}, handle: handleGetProfiles}})
	add("/_security/privilege/_builtin", map[string]*endpoint{"GET": {action: sec + "privilege/builtin/get", handle: handleBuiltinPrivileges}})

	add("/_security/api_key", map[string]*endpoint{
		"GET": {params: []string{"id", "name", "owner", "realm_name", "username", "with_limited_by", "active_only", "with_profile_uid"},
			handle: handleGetAPIKeys},
		"PUT":    createKey,
		"POST":   createKey,
		"DELETE": {handle: handleInvalidateAPIKeys},
	})
	add("/_security/api_key/grant", map[string]*endpoint{"POST": {action: sec + "api_key/grant", stackOnly: true, params: refresh, handle: handleGrantAPIKey}})
	add("/_security/api_key/{id}", map[string]*endpoint{"PUT": {handle: handleUpdateAPIKey}})
	add("/_security/api_key/_bulk_update", map[string]*endpoint{"POST": {stackOnly: true, handle: handleBulkUpdateAPIKeys}})
	add("/_security/api_key/{ids}/_clear_cache", map[string]*endpoint{"POST": {action: sec + "cache/clear", stackOnly: true, handle: handleClearAPIKeyCache}})
	add("/_security/_query/api_key", map[string]*endpoint{"GET": queryKey, "POST": queryKey})
	return rs
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match returns the route parameters when segs fit the route.
func (rt *route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range rt.segs {
		if strings.HasPrefix(s, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(s, "{}")] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// literals counts literal segments: Elasticsearch's path trie prefers
// literal segments over {param} ones (reference §1.2).
func (rt *route) literals() int {
	n := 0
	for _, s := range rt.segs {
		if !strings.HasPrefix(s, "{") {
			n++
		}
	}
	return n
}

func (c *Cluster) serveES(w http.ResponseWriter, r *http.Request) {
	// Elasticsearch authenticates in the HTTP layer, before a request is
	// dispatched: missing or wrong credentials get 401 whatever the method or
	// path, never a 400, 404, 405 or 410 that would reveal the API.
	who, authErr := c.authenticate(r)
	if authErr != nil {
		writeESError(w, r, authErr)
		return
	}
	segs := splitPath(r.URL.EscapedPath())
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	type cand struct {
		rt     *route
		params map[string]string
	}
	var cands []cand
	for _, rt := range routes() {
		if p, ok := rt.match(segs); ok {
			cands = append(cands, cand{rt, p})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].rt.literals() > cands[j].rt.literals() })
	uri := r.URL.RequestURI()
	if len(cands) == 0 {
		writeJSON(w, r, http.StatusBadRequest, map[string]any{
			"error": "no handler found for uri [" + uri + "] and method [" + r.Method + "]", "status": 400})
		return
	}
	method := r.Method
	var ep *endpoint
	var params map[string]string
	for _, try := range []string{method, "GET"} {
		for _, cd := range cands {
			if e, ok := cd.rt.methods[try]; ok {
				ep, params = e, cd.params
				break
			}
		}
		// HEAD is served by the GET handler without a body, as
		// Elasticsearch's RestController does.
		if ep != nil || method != http.MethodHead {
			break
		}
	}
	if ep == nil {
		allowed := map[string]bool{}
		for _, cd := range cands {
			for m := range cd.rt.methods {
				allowed[m] = true
			}
		}
		var list []string
		for m := range allowed {
			list = append(list, m)
		}
		sort.Strings(list)
		w.Header().Set("Allow", strings.Join(list, ","))
		writeJSON(w, r, http.StatusMethodNotAllowed, map[string]any{
			"error": "Incorrect HTTP method for uri [" + uri + "] and method [" + method + "], allowed: [" +
				strings.Join(list, ", ") + "]", "status": 405})
		return
	}
	if ep.stackOnly && c.flavor == FlavorServerless {
		writeESError(w, r, newESError(http.StatusGone, "api_not_available_exception",
			"Request for uri ["+uri+"] with method ["+method+"] exists but is not available when running in serverless mode"))
		return
	}
	x := &rctx{c: c, w: w, r: r, params: params, q: r.URL.Query(), who: who}
	if e := checkParams(r, x.q, ep.params); e != nil {
		writeESError(w, r, e)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 100<<20))
	if err != nil {
		writeESError(w, r, newESError(http.StatusRequestEntityTooLarge, "status_exception", "request body is too large"))
		return
	}
	x.body = body
	if ep.action != "" && !x.authorize(ep.action) {
		return
	}
	ep.handle(x)
}

func checkParams(r *http.Request, q url.Values, allowed []string) *esError {
	var unknown []string
	for k := range q {
		ok := false
		for _, a := range append(allowed, globalParams...) {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	if len(unknown) == 1 {
		return illegalArg("request [" + r.URL.Path + "] contains unrecognized parameter: [" + unknown[0] + "]")
	}
	return illegalArg("request [" + r.URL.Path + "] contains unrecognized parameters: [" + strings.Join(unknown, "], [") + "]")
}

// Helpers used by every handler.

func (x *rctx) ok(v any) { writeJSON(x.w, x.r, http.StatusOK, v) }

func (x *rctx) status(code int, v any) { writeJSON(x.w, x.r, code, v) }

func (x *rctx) fail(e *esError) { writeESError(x.w, x.r, e) }

// jsonBody parses the request body; required bodies answer "request body is
// required" when empty.
func (x *rctx) jsonBody(required bool) (*jv, bool) {
	v, err := parseJSON(x.body)
	if err == errEmptyBody {
		if required {
			x.fail(parseError("request body is required"))
			return nil, false
		}
		return nil, true
	}
	if err != nil {
		x.fail(badRequest("x_content_parse_exception", "[1:1] Failed to parse object: "+err.Error()))
		return nil, false
	}
	return v, true
}

// boolParam parses a boolean query parameter the way Elasticsearch does:
// only "true", "false" and the empty string (true) are accepted.
func (x *rctx) boolParam(name string, def bool) (bool, bool) {
	if !x.q.Has(name) {
		return def, true
	}
	switch v := x.q.Get(name); v {
	case "", "true":
		return true, true
	case "false":
		return false, true
	default:
		x.fail(illegalArg("Failed to parse value [" + v + "] as only [true] or [false] are allowed."))
		return false, false
	}
}

// refreshOK validates the refresh parameter; storage is immediately
// consistent, so the value is otherwise ignored.
func (x *rctx) refreshOK() bool {
	if !x.q.Has("refresh") {
		return true
	}
	switch v := x.q.Get("refresh"); v {
	case "", "true", "false", "wait_for":
		return true
	default:
		x.fail(illegalArg("Unknown value for refresh: [" + v + "]."))
		return false
	}
}

// nameList splits a comma-separated path parameter.
func nameList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
