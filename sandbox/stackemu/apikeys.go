package stackemu

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiKey is a stored Elasticsearch API key. Only a hash of the secret is
// kept; the secret is shown once, in the create response.
type apiKey struct {
	ID, Name                   string
	secretHash                 [32]byte
	Creation                   time.Time
	Expiration                 *time.Time
	Invalidated                bool
	Invalidation               *time.Time
	Username, Realm, RealmType string
	Metadata                   map[string]any
	descNames                  []string
	Descriptors                map[string]*roleDescriptor // assigned; empty = owner's snapshot applies alone
	limitedNames               []string
	LimitedBy                  map[string]*roleDescriptor // owner's privileges when the key was created or updated
	ownerFullName, ownerEmail  *string
	ownerMetadata              map[string]any
}

func orderedLayer(names []string, m map[string]*roleDescriptor) []*roleDescriptor {
	out := make([]*roleDescriptor, 0, len(names))
	for _, n := range names {
		out = append(out, m[n])
	}
	return out
}

// permission: an API key may do what both its role descriptors and its
// limited_by snapshot allow; without role descriptors the snapshot alone.
func (k *apiKey) permission() permission {
	limited := orderedLayer(k.limitedNames, k.LimitedBy)
	if len(k.Descriptors) == 0 {
		return permission{layers: [][]*roleDescriptor{limited}}
	}
	return permission{layers: [][]*roleDescriptor{orderedLayer(k.descNames, k.Descriptors), limited}}
}

func (k *apiKey) expired(now time.Time) bool {
	return k.Expiration != nil && !now.Before(*k.Expiration)
}

func renderDescMap(names []string, m map[string]*roleDescriptor) map[string]any {
	out := map[string]any{}
	for _, n := range names {
		out[n] = m[n].render()
	}
	return out
}

func (k *apiKey) render(withLimitedBy bool) map[string]any {
	out := map[string]any{
		"id":               k.ID,
		"name":             k.Name,
		"type":             "rest",
		"creation":         k.Creation.UnixMilli(),
		"invalidated":      k.Invalidated,
		"username":         k.Username,
		"realm":            k.Realm,
		"realm_type":       k.RealmType,
		"metadata":         nonNilMap(k.Metadata),
		"role_descriptors": renderDescMap(k.descNames, k.Descriptors),
	}
	if k.Expiration != nil {
		out["expiration"] = k.Expiration.UnixMilli()
	}
	if k.Invalidation != nil {
		out["invalidation"] = k.Invalidation.UnixMilli()
	}
	if withLimitedBy {
		out["limited_by"] = []any{renderDescMap(k.limitedNames, k.LimitedBy)}
	}
	return out
}

func (k *apiKey) queryDoc() queryDoc {
	src := map[string]any{"id": k.ID, "type": "rest", "name": k.Name, "creation": k.Creation.UnixMilli(),
		"invalidated": k.Invalidated, "username": k.Username, "realm": k.Realm, "realm_name": k.Realm,
		"metadata": nonNilMap(k.Metadata)}
	if k.Expiration != nil {
		src["expiration"] = k.Expiration.UnixMilli()
	}
	if k.Invalidation != nil {
		src["invalidation"] = k.Invalidation.UnixMilli()
	}
	return queryDoc{id: k.ID, src: src}
}

// parseTimeValue parses Elasticsearch TimeValue strings ("30m", "1d").
func parseTimeValue(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		d      time.Duration
	}{{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second},
		{"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	ls := strings.ToLower(strings.TrimSpace(s))
	for _, u := range units {
		if strings.HasSuffix(ls, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(ls, u.suffix)), 64)
			if err != nil || n < 0 {
				return 0, errors.New("bad number")
			}
			return time.Duration(n * float64(u.d)), nil
		}
	}
	return 0, errors.New("unit is missing or unrecognized")
}

func expirationError(s string) *esError {
	return parseError("failed to parse setting [expiration] with value [" + s + "] as a time value: unit is missing or unrecognized")
}

// apiKeyBody is the parsed body of create, update and grant's api_key.
type apiKeyBody struct {
	name          *string
	expiration    *time.Duration
	expirationSet bool
	descNames     []string
	descs         map[string]*roleDescriptor
	descsSet      bool
	metadata      map[string]any
	metadataSet   bool
}

func (c *Cluster) parseAPIKeyBody(v *jv, allowName bool, what string) (*apiKeyBody, *esError) {
	b := &apiKeyBody{}
	if v == nil {
		return b, nil
	}
	if v.kind != 'o' {
		return nil, badRequest("x_content_parse_exception", "[1:1] ["+what+"] expected START_OBJECT but found ["+v.token()+"]")
	}
	for _, kv := range v.obj {
		val := kv.val
		switch kv.key {
		case "name":
			if !allowName {
				return nil, badRequest("x_content_parse_exception", "[1:2] ["+what+"] unknown field [name]")
			}
			if !val.isNull() {
				if val.kind != 's' {
					return nil, badRequest("x_content_parse_exception", "[1:2] ["+what+"] name doesn't support values of type: "+val.token())
				}
				s := val.str
				b.name = &s
			}
		case "expiration":
			if val.isNull() {
				b.expirationSet = true
				continue
			}
			if val.kind != 's' {
				return nil, expirationError(val.compact())
			}
			d, err := parseTimeValue(val.str)
			if err != nil {
				return nil, expirationError(val.str)
			}
			b.expiration, b.expirationSet = &d, true
		case "role_descriptors":
			if val.isNull() {
				continue
			}
			if val.kind != 'o' {
				return nil, badRequest("x_content_parse_exception", "[1:2] ["+what+"] role_descriptors doesn't support values of type: "+val.token())
			}
			b.descsSet = true
			b.descs = map[string]*roleDescriptor{}
			for _, rd := range val.obj {
				d, e := parseRoleDescriptor(rd.key, rd.val, c.apiKeyRoleOpts())
				if e != nil {
					return nil, e
				}
				if _, dup := b.descs[rd.key]; !dup {
					b.descNames = append(b.descNames, rd.key)
				}
				b.descs[rd.key] = d
			}
		case "metadata":
			if val.isNull() {
				continue
			}
			if val.kind != 'o' {
				return nil, badRequest("x_content_parse_exception", "[1:2] ["+what+"] metadata doesn't support values of type: "+val.token())
			}
			b.metadata, b.metadataSet = val.toAny().(map[string]any), true
		default:
			return nil, badRequest("x_content_parse_exception", "[1:2] ["+what+"] unknown field ["+kv.key+"]")
		}
	}
	return b, nil
}

// validate is AbstractCreateApiKeyRequest.validate plus the role descriptor
// checks.
func (b *apiKeyBody) validate(f Flavor, needName bool) *esError {
	var msgs []string
	if needName {
		switch {
		case b.name == nil || *b.name == "":
			msgs = append(msgs, "api key name is required")
		default:
			n := *b.name
			if javaLen(n) > apiKeyNameMax {
				msgs = append(msgs, "api key name may not be more than 256 characters long")
			}
			if strings.TrimSpace(n) != n {
				msgs = append(msgs, "api key name may not begin or end with whitespace")
			}
			if strings.HasPrefix(n, "_") {
				msgs = append(msgs, "api key name may not begin with an underscore")
			}
		}
	}
	if hasUnderscoreKey(b.metadata) {
		msgs = append(msgs, "API key metadata keys may not start with [_]")
	}
	for _, n := range b.descNames {
		msgs = append(msgs, b.descs[n].validate(f, "role descriptor metadata keys may not start with [_]")...)
	}
	if e := actionValidation(msgs); e != nil {
		return e
	}
	for _, n := range b.descNames {
		if e := validateDLS(b.descs[n]); e != nil {
			return e
		}
	}
	return nil
}

// ownerSnapshotLocked is the limited_by of a key created by a: the
// principal's current role descriptors, or for an API key its own assigned
// descriptors (its limited_by when it has none).
func (c *Cluster) ownerSnapshotLocked(a *authn) ([]string, map[string]*roleDescriptor) {
	if a.key != nil {
		if len(a.key.Descriptors) > 0 {
			return cloneDescs(a.key.descNames, a.key.Descriptors)
		}
		return cloneDescs(a.key.limitedNames, a.key.LimitedBy)
	}
	return c.roleDescriptorsLocked(a.roles)
}

func cloneDescs(names []string, m map[string]*roleDescriptor) ([]string, map[string]*roleDescriptor) {
	out := map[string]*roleDescriptor{}
	for _, n := range names {
		out[n] = m[n].clone()
	}
	return append([]string(nil), names...), out
}

// newAPIKeyLocked stores a key owned by a and returns the create response.
func (c *Cluster) newAPIKeyLocked(a *authn, b *apiKeyBody) map[string]any {
	now := c.now()
	id := randomSecret(15)
	secret := randomSecret(16)
	k := &apiKey{ID: id, Name: *b.name, secretHash: sha256.Sum256([]byte(secret)), Creation: now,
		Username: a.username, Realm: a.realmName, RealmType: a.realmType, Metadata: nonNilMap(b.metadata),
		descNames: b.descNames, Descriptors: b.descs, ownerFullName: a.fullName, ownerEmail: a.email,
		ownerMetadata: a.metadata}
	if k.Descriptors == nil {
		k.Descriptors = map[string]*roleDescriptor{}
	}
	if a.key != nil {
		// Keys created with a key belong to that key's owner.
		k.Username, k.Realm, k.RealmType = a.key.Username, a.key.Realm, a.key.RealmType
	}
	k.limitedNames, k.LimitedBy = c.ownerSnapshotLocked(a)
	if b.expiration != nil {
		exp := now.Add(*b.expiration)
		k.Expiration = &exp
	}
	c.apiKeys[id] = k
	c.keyOrder = append(c.keyOrder, id)
	out := map[string]any{"id": id, "name": k.Name, "api_key": secret,
		"encoded": base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))}
	if k.Expiration != nil {
		out["expiration"] = k.Expiration.UnixMilli()
	}
	return out
}

// ownerOf reports whether the principal owns the key.
func (a *authn) owns(k *apiKey) bool {
	if a.key != nil {
		return a.key.Username == k.Username && a.key.Realm == k.Realm
	}
	return a.username == k.Username && a.realmName == k.Realm
}

func handleCreateAPIKey(x *rctx) {
	if !x.refreshOK() {
		return
	}
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	b, e := x.c.parseAPIKeyBody(v, true, "api_key_request")
	if e != nil {
		x.fail(e)
		return
	}
	if e := b.validate(x.c.flavor, true); e != nil {
		x.fail(e)
		return
	}
	const action = apiKeyActions + "create"
	if !x.who.perm.cluster(ownPrefix + action) {
		x.fail(x.forbidden(action))
		return
	}
	if x.who.key != nil {
		derivedOK := b.descsSet && len(b.descs) > 0
		for _, d := range b.descs {
			if d.hasPrivileges() {
				derivedOK = false
			}
		}
		if !derivedOK {
			x.fail(illegalArg("creating derived api keys requires an explicit role descriptor that is empty (has no privileges)"))
			return
		}
	}
	x.c.mu.Lock()
	out := x.c.newAPIKeyLocked(x.who, b)
	x.c.mu.Unlock()
	x.ok(out)
}

func handleGrantAPIKey(x *rctx) {
	if !x.refreshOK() {
		return
	}
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(badRequest("x_content_parse_exception", "[1:1] [grant_api_key_request] expected START_OBJECT but found ["+v.token()+"]"))
		return
	}
	str := func(k string) string {
		if s := v.get(k); s != nil && s.kind == 's' {
			return s.str
		}
		return ""
	}
	for _, kv := range v.obj {
		switch kv.key {
		case "grant_type", "username", "password", "access_token", "run_as", "api_key":
		default:
			x.fail(badRequest("x_content_parse_exception", "[1:2] [grant_api_key_request] unknown field ["+kv.key+"]"))
			return
		}
	}
	b, e := x.c.parseAPIKeyBody(v.get("api_key"), true, "api_key_request")
	if e != nil {
		x.fail(e)
		return
	}
	var msgs []string
	gt := str("grant_type")
	switch gt {
	case "":
		msgs = append(msgs, "[grant_type] is required")
	case "password":
		if str("username") == "" {
			msgs = append(msgs, "[username] is required for grant_type [password]")
		}
		if str("password") == "" {
			msgs = append(msgs, "[password] is required for grant_type [password]")
		}
		if v.has("access_token") {
			msgs = append(msgs, "[access_token] is not supported for grant_type [password]")
		}
	case "access_token":
		if !v.has("access_token") {
			msgs = append(msgs, "[access_token] is required for grant_type [access_token]")
		}
	default:
		msgs = append(msgs, "grant_type ["+gt+"] is not supported")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	if e := b.validate(x.c.flavor, true); e != nil {
		x.fail(e)
		return
	}
	var owner *authn
	if gt == "password" {
		owner = x.c.authenticateUser(str("username"), str("password"))
	}
	if owner == nil {
		x.fail(unauthenticated("unable to authenticate user [" + str("username") + "] for action [" + apiKeyActions + "grant]"))
		return
	}
	x.c.mu.Lock()
	out := x.c.newAPIKeyLocked(owner, b)
	x.c.mu.Unlock()
	x.ok(out)
}

// ownScope decides, for an API-key action, whether the caller may act on
// all keys (manage_api_key, read_security for reads) or only on its own
// (manage_own_api_key, with a request that names only its own keys).
// It answers 403 itself when neither applies.
func (x *rctx) ownScope(action string, ownRequest bool) (ownOnly, ok bool) {
	if x.who.perm.cluster(action) {
		return false, true
	}
	if ownRequest && x.who.perm.cluster(ownPrefix+action) {
		return true, true
	}
	x.fail(x.forbiddenFor(action, ownRequest))
	return false, false
}

func handleGetAPIKeys(x *rctx) {
	q := x.q
	owner, ok := x.boolParam("owner", false)
	if !ok {
		return
	}
	withLimited, ok := x.boolParam("with_limited_by", false)
	if !ok {
		return
	}
	activeOnly, ok := x.boolParam("active_only", false)
	if !ok {
		return
	}
	if _, ok := x.boolParam("with_profile_uid", false); !ok {
		return
	}
	id, name, user, realm := q.Get("id"), q.Get("name"), q.Get("username"), q.Get("realm_name")
	var msgs []string
	if owner && (user != "" || realm != "") {
		msgs = append(msgs, "neither username nor realm-name may be specified when retrieving owned API keys")
	}
	if id != "" && name != "" {
		msgs = append(msgs, "only one of [api key id, api key name] can be specified")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	a := x.who
	// manage_own_api_key never covers with_limited_by: reading the owner's
	// privileges takes manage_api_key (ManageOwnApiKeyClusterPrivilege).
	ownRequest := !withLimited && (owner || (a.key == nil && user == a.username && realm == a.realmName) ||
		(a.key != nil && id == a.key.ID))
	ownOnly, ok := x.ownScope(apiKeyActions+"get", ownRequest)
	if !ok {
		return
	}
	now := x.c.now()
	x.c.mu.RLock()
	defer x.c.mu.RUnlock()
	out := []any{}
	for _, kid := range x.c.keyOrder {
		k := x.c.apiKeys[kid]
		switch {
		case id != "" && k.ID != id,
			name != "" && !globMatch(name, k.Name),
			user != "" && k.Username != user,
			realm != "" && k.Realm != realm,
			(owner || ownOnly) && !a.owns(k),
			activeOnly && (k.Invalidated || k.expired(now)):
			continue
		}
		out = append(out, k.render(withLimited))
	}
	x.ok(map[string]any{"api_keys": out})
}

func handleQueryAPIKeys(x *rctx) {
	withLimited, ok := x.boolParam("with_limited_by", false)
	if !ok {
		return
	}
	if _, ok := x.boolParam("with_profile_uid", false); !ok {
		return
	}
	if _, ok := x.boolParam("typed_keys", false); !ok {
		return
	}
	req, ok := x.parseQueryRequest("query_api_keys_request", map[string]bool{"id": true, "type": true, "name": true,
		"creation": true, "expiration": true, "invalidated": true, "invalidation": true, "username": true,
		"realm_name": true, "realm": true, "metadata.*": true}, true)
	if !ok {
		return
	}
	// With only manage_own_api_key the query is silently limited to the
	// caller's own keys, unless it asks for limited_by (manage_api_key only).
	ownOnly, ok := x.ownScope(apiKeyActions+"query", !withLimited)
	if !ok {
		return
	}
	x.c.mu.RLock()
	var docs []queryDoc
	for _, kid := range x.c.keyOrder {
		k := x.c.apiKeys[kid]
		if ownOnly && !x.who.owns(k) {
			continue
		}
		d := k.queryDoc()
		d.out = k.render(withLimited)
		docs = append(docs, d)
	}
	x.c.mu.RUnlock()
	res, e := req.run(docs, "creation")
	if e != nil {
		x.fail(e)
		return
	}
	out := map[string]any{"total": res.total, "count": len(res.hits), "api_keys": res.hits}
	if res.aggs != nil {
		out["aggregations"] = res.aggs
	}
	x.ok(out)
}

func handleInvalidateAPIKeys(x *rctx) {
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(badRequest("x_content_parse_exception", "[1:1] [invalidate_api_key] expected START_OBJECT but found ["+v.token()+"]"))
		return
	}
	var ids []string
	idsSet := false
	var name, user, realm string
	owner := false
	for _, kv := range v.obj {
		val := kv.val
		switch kv.key {
		case "ids":
			l, ok := val.strictStringArray()
			if !ok {
				x.fail(badRequest("x_content_parse_exception", "[1:9] [invalidate_api_key] failed to parse field [ids]"))
				return
			}
			if len(l) == 0 {
				x.fail(actionValidation([]string{"Field [ids] cannot be an empty array"}))
				return
			}
			for i, id := range l {
				if strings.TrimSpace(id) == "" {
					x.fail(actionValidation([]string{"Field [ids] must not contain blank id, but got blank id at index position: [" + strconv.Itoa(i) + "]"}))
					return
				}
			}
			ids, idsSet = append(ids, l...), true
		case "id", "name", "username", "realm_name":
			if val.isNull() {
				continue
			}
			if val.kind != 's' {
				x.fail(badRequest("x_content_parse_exception", "[1:2] [invalidate_api_key] "+kv.key+" doesn't support values of type: "+val.token()))
				return
			}
			switch kv.key {
			case "id":
				ids, idsSet = append(ids, val.str), true
			case "name":
				name = val.str
			case "username":
				user = val.str
			default:
				realm = val.str
			}
		case "owner":
			if val == nil || val.kind != 'b' {
				x.fail(badRequest("x_content_parse_exception", "[1:2] [invalidate_api_key] owner doesn't support values of type: "+val.token()))
				return
			}
			owner = val.b
		default:
			x.fail(badRequest("x_content_parse_exception", "[1:2] [invalidate_api_key] unknown field ["+kv.key+"]"))
			return
		}
	}
	var msgs []string
	if !idsSet && name == "" && user == "" && realm == "" && !owner {
		msgs = append(msgs, "One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false")
	}
	if (idsSet || name != "") && (user != "" || realm != "") {
		msgs = append(msgs, "username or realm name must not be specified when the api key id(s) or api key name are specified")
	}
	if owner && (user != "" || realm != "") {
		msgs = append(msgs, "neither username nor realm-name may be specified when invalidating owned API keys")
	}
	if idsSet && name != "" {
		msgs = append(msgs, "only one of [api key id(s), api key name] can be specified")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	a := x.who
	ownRequest := owner || (a.key == nil && user == a.username && realm == a.realmName && !idsSet)
	if a.key != nil && len(ids) > 0 {
		ownRequest = true
		for _, id := range ids {
			if id != a.key.ID {
				ownRequest = false
			}
		}
	}
	ownOnly, ok := x.ownScope(apiKeyActions+"invalidate", ownRequest)
	if !ok {
		return
	}
	now := x.c.now()
	x.c.mu.Lock()
	defer x.c.mu.Unlock()
	invalidated, previously := []string{}, []string{}
	idSet := map[string]bool{}
	for _, id := range ids {
		idSet[id] = true
	}
	for _, kid := range x.c.keyOrder {
		k := x.c.apiKeys[kid]
		switch {
		case idsSet && !idSet[k.ID],
			name != "" && !globMatch(name, k.Name),
			user != "" && k.Username != user,
			realm != "" && k.Realm != realm,
			(owner || ownOnly) && !a.owns(k):
			continue
		}
		if k.Invalidated {
			previously = append(previously, k.ID)
			continue
		}
		k.Invalidated = true
		t := now
		k.Invalidation = &t
		invalidated = append(invalidated, k.ID)
	}
	x.ok(map[string]any{"invalidated_api_keys": invalidated, "previously_invalidated_api_keys": previously,
		"error_count": 0})
}

func handleUpdateAPIKey(x *rctx) {
	id := x.params["id"]
	v, ok := x.jsonBody(false)
	if !ok {
		return
	}
	b, e := x.c.parseAPIKeyBody(v, false, "update_api_key_request_payload")
	if e != nil {
		x.fail(e)
		return
	}
	if e := b.validate(x.c.flavor, false); e != nil {
		x.fail(e)
		return
	}
	if !x.mayUpdateOwnKeys() {
		return
	}
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	updated, e := c.updateOwnKeyLocked(x.who, id, b)
	if e != nil {
		x.fail(e)
		return
	}
	x.ok(map[string]any{"updated": updated})
}

// updateOwnKeyLocked applies an update to one of the caller's keys and
// reports whether anything changed; the caller holds c.mu.
func (c *Cluster) updateOwnKeyLocked(who *authn, id string, b *apiKeyBody) (bool, *esError) {
	now := c.now()
	k, found := c.apiKeys[id]
	if !found || !who.owns(k) {
		return false, notFoundException("no API key owned by requesting user found for ID [" + id + "]")
	}
	if k.Invalidated {
		return false, illegalArg("cannot update invalidated API key [" + id + "]")
	}
	if k.expired(now) {
		return false, illegalArg("cannot update expired API key [" + id + "]")
	}
	before := k.render(true)
	if b.descsSet {
		k.descNames, k.Descriptors = b.descNames, b.descs
		if k.Descriptors == nil {
			k.Descriptors = map[string]*roleDescriptor{}
		}
	}
	if b.metadataSet {
		k.Metadata = b.metadata
	}
	if b.expirationSet {
		if b.expiration == nil {
			k.Expiration = nil
		} else {
			exp := now.Add(*b.expiration)
			k.Expiration = &exp
		}
	}
	// An update also refreshes the owner's privilege snapshot.
	k.limitedNames, k.LimitedBy = c.ownerSnapshotLocked(who)
	after := k.render(true)
	return !jsonEqual(before, after), nil
}

func jsonEqual(a, b any) bool {
	ab, _ := jsonMarshalSorted(a)
	bb, _ := jsonMarshalSorted(b)
	return ab == bb
}

var _ = http.StatusOK

// mayUpdateOwnKeys checks what every API key update needs, as Elasticsearch
// does: the privilege to update one's own keys, and a user rather than an
// API key authenticating. It answers the request when it refuses.
func (x *rctx) mayUpdateOwnKeys() bool {
	const action = apiKeyActions + "update"
	if !x.who.perm.cluster(ownPrefix + action) {
		x.fail(x.forbidden(action))
		return false
	}
	if x.who.key != nil {
		x.fail(illegalArg("authentication via API key not supported: An API key cannot be used to update API keys"))
		return false
	}
	return true
}
