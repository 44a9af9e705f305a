package stackemu

import (
	"strconv"
	"strings"
)

// forbiddenFor is forbidden with the privilege list Elasticsearch prints for
// this very request: manage_own_api_key is named only when the request is
// about the caller's own keys, since only then would it grant it.
func (x *rctx) forbiddenFor(action string, ownRequest bool) *esError {
	e := x.forbidden(action)
	if ownRequest {
		return e
	}
	cm, _ := models()
	var granted []string
	for _, n := range cm.grantedBy(action) {
		if cm.defs[n].contains(action) {
			granted = append(granted, n)
		}
	}
	head, _, _ := strings.Cut(e.reason, ", this action is granted by the cluster privileges [")
	if len(granted) > 0 {
		head += ", this action is granted by the cluster privileges [" + strings.Join(granted, ",") + "]"
	}
	e.reason = head
	return e
}

// handleBulkUpdateAPIKeys is POST /_security/api_key/_bulk_update: the same
// change applied to several of the caller's keys, with per-key errors.
func handleBulkUpdateAPIKeys(x *rctx) {
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(badRequest("x_content_parse_exception", "[1:1] [bulk_update_api_key_request_payload] expected START_OBJECT but found ["+v.token()+"]"))
		return
	}
	var ids []string
	idsSet := false
	rest := &jv{kind: 'o'}
	for _, kv := range v.obj {
		if kv.key != "ids" {
			rest.obj = append(rest.obj, kv)
			continue
		}
		if kv.val.kind == 's' { // a single id is accepted as a one-element list
			ids, idsSet = []string{kv.val.str}, true
			continue
		}
		l, ok := kv.val.strictStringArray()
		if !ok {
			x.fail(badRequest("x_content_parse_exception", "[1:9] [bulk_update_api_key_request_payload] failed to parse field [ids]"))
			return
		}
		ids, idsSet = l, true
	}
	b, e := x.c.parseAPIKeyBody(rest, false, "bulk_update_api_key_request_payload")
	if e != nil {
		x.fail(e)
		return
	}
	if !idsSet {
		x.fail(actionValidation([]string{"Field [ids] cannot be empty"}))
		return
	}
	var msgs []string
	if len(ids) == 0 {
		msgs = append(msgs, "Field [ids] cannot be empty")
	}
	for i, id := range ids {
		if strings.TrimSpace(id) == "" {
			msgs = append(msgs, "Field [ids] must not contain blank id, but got blank id at index position: ["+strconv.Itoa(i)+"]")
		}
	}
	if e := actionValidation(msgs); e != nil {
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
	updated, noops := []string{}, []string{}
	details := map[string]any{}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		changed, e := c.updateOwnKeyLocked(x.who, id, b)
		switch {
		case e != nil:
			details[id] = map[string]any{"type": e.typ, "reason": e.reason}
		case changed:
			updated = append(updated, id)
		default:
			noops = append(noops, id)
		}
	}
	out := map[string]any{"updated": updated, "noops": noops}
	if len(details) > 0 {
		out["errors"] = map[string]any{"count": len(details), "details": details}
	}
	x.ok(out)
}

// handleClearAPIKeyCache is POST /_security/api_key/{ids}/_clear_cache: the
// emulator caches nothing, so it validates and reports the one node cleared.
func handleClearAPIKeyCache(x *rctx) {
	if len(nameList(x.params["ids"])) == 0 {
		x.fail(actionValidation([]string{"keys must not be empty"}))
		return
	}
	x.ok(clearCacheReply())
}

func clearCacheReply() map[string]any {
	return map[string]any{
		"_nodes":       map[string]any{"total": 1, "successful": 1, "failed": 0},
		"cluster_name": "elastic-access-sandbox",
		"nodes":        map[string]any{"sandbox-node-0000000000": map[string]any{"name": "sandbox-es-0"}},
	}
}
