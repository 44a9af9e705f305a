package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// esKeyTools returns the Elasticsearch API key tools.
// ESKeyView is an Elasticsearch API key, never its secret.
type ESKeyView struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Owner       string         `json:"owner" jsonschema:"the user who created it"`
	Realm       string         `json:"realm"`
	Created     string         `json:"created"`
	Expires     string         `json:"expires,omitempty" jsonschema:"absent = never expires"`
	Status      string         `json:"status" jsonschema:"active, expired or invalidated"`
	Roles       []string       `json:"role_descriptors,omitempty" jsonschema:"names of its role descriptors; none = a snapshot of the owner's privileges"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	ServerOwned bool           `json:"is_server_credential,omitempty" jsonschema:"the key this server runs with"`
}

func esMillis(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

func esKeyStatus(k esapi.APIKey, now time.Time) string {
	switch {
	case k.Invalidated:
		return "invalidated"
	case k.Expiration != 0 && k.Expiration <= now.UnixMilli():
		return "expired"
	}
	return "active"
}

func esKeyView(k esapi.APIKey, now time.Time, selfID string) ESKeyView {
	v := ESKeyView{ID: k.ID, Name: k.Name, Owner: k.Username, Realm: k.Realm, Created: esMillis(k.Creation),
		Expires: esMillis(k.Expiration), Status: esKeyStatus(k, now), Roles: esapi.SortedKeys(k.RoleDescriptors),
		Metadata: k.Metadata, ServerOwned: selfID != "" && k.ID == selfID}
	if len(v.Roles) == 0 {
		v.Roles = nil
	}
	return v
}

// esSelfKeyID is the id of the API key the target is reached with, or "".
func esSelfKeyID(ctx context.Context, t *toolkit.StackTarget) (string, error) {
	me, err := t.ES.Authenticate(ctx)
	if err != nil {
		return "", err
	}
	if me.APIKey != nil {
		return me.APIKey.ID, nil
	}
	return "", nil
}

// ListESAPIKeysInput filters keys.
type ListESAPIKeysInput struct {
	ProjectArg
	Name   string `json:"name,omitempty" jsonschema:"key name; * wildcards allowed, e.g. ci-*"`
	Owner  string `json:"owner,omitempty" jsonschema:"only keys created by this username"`
	Realm  string `json:"realm,omitempty" jsonschema:"owner realm"`
	Status string `json:"status,omitempty" jsonschema:"default all" validate:"omitempty,oneof=active expired invalidated all"`
	Limit  int    `json:"limit,omitempty" jsonschema:"page size, default 50" validate:"omitempty,min=1,max=1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

// ListESAPIKeysOutput is one page of keys, newest first.
type ListESAPIKeysOutput struct {
	Keys       []ESKeyView `json:"keys"`
	Total      int         `json:"total"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func listESAPIKeysTool() toolkit.Tool { return toolkit.Define(listESAPIKeysSpec, listESAPIKeys) }

var listESAPIKeysSpec = toolkit.Spec{
	Name:    "list_es_api_keys",
	Title:   "List Elasticsearch API keys",
	Toolset: toolkit.ToolsetESKeys,
	Tier:    toolkit.Read,
	Description: "List Elasticsearch API keys by name, owner, realm or status; never secrets. Call before create_es_api_key to " +
		"reuse one, or to explain a 401.",
}

func listESAPIKeys(ctx context.Context, c *toolkit.Call, in ListESAPIKeysInput) (ListESAPIKeysOutput, error) {
	var out ListESAPIKeysOutput
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	off, err := decodeCursor("es_keys", in.Cursor)
	if err != nil {
		return out, err
	}
	limit := in.Limit
	if limit == 0 {
		limit = 50
	}
	var filter []any
	if in.Name != "" {
		if strings.Contains(in.Name, "*") {
			filter = append(filter, map[string]any{"wildcard": map[string]any{"name": in.Name}})
		} else {
			filter = append(filter, map[string]any{"term": map[string]any{"name": in.Name}})
		}
	}
	if in.Owner != "" {
		filter = append(filter, map[string]any{"term": map[string]any{"username": in.Owner}})
	}
	if in.Realm != "" {
		filter = append(filter, map[string]any{"term": map[string]any{"realm": in.Realm}})
	}
	switch in.Status {
	case "active":
		filter = append(filter, map[string]any{"term": map[string]any{"invalidated": false}})
		filter = append(filter, map[string]any{"bool": map[string]any{"should": []any{
			map[string]any{"bool": map[string]any{"must_not": []any{map[string]any{"exists": map[string]any{"field": "expiration"}}}}},
			map[string]any{"range": map[string]any{"expiration": map[string]any{"gt": "now"}}},
		}, "minimum_should_match": 1}})
	case "expired":
		filter = append(filter, map[string]any{"term": map[string]any{"invalidated": false}})
		filter = append(filter, map[string]any{"range": map[string]any{"expiration": map[string]any{"lte": "now"}}})
	case "invalidated":
		filter = append(filter, map[string]any{"term": map[string]any{"invalidated": true}})
	}
	boolQ := map[string]any{}
	if len(filter) > 0 {
		boolQ["filter"] = filter
	}
	body := map[string]any{"from": off, "size": limit, "sort": []any{map[string]any{"creation": map[string]any{"order": "desc"}}}}
	if len(boolQ) > 0 {
		body["query"] = map[string]any{"bool": boolQ}
	}
	res, err := t.ES.QueryAPIKeys(ctx, body)
	if err != nil {
		return out, stackFail(t, err)
	}
	self, _ := esSelfKeyID(ctx, t)
	now := time.Now()
	out.Total = res.Total
	out.Keys = make([]ESKeyView, 0, len(res.APIKeys))
	for _, k := range res.APIKeys {
		out.Keys = append(out.Keys, esKeyView(k, now, self))
	}
	if off+len(res.APIKeys) < res.Total && len(res.APIKeys) > 0 {
		out.NextCursor = encodeCursor("es_keys", off+len(res.APIKeys))
	}
	return out, nil
}

// ESKeyRoleInput is one role descriptor of an API key.
type ESKeyRoleInput struct {
	Cluster      []string               `json:"cluster,omitempty" jsonschema:"cluster privileges, e.g. monitor" validate:"dive,required"`
	Indices      []RoleIndexInput       `json:"indices,omitempty" validate:"dive"`
	Applications []RoleApplicationInput `json:"applications,omitempty" validate:"dive"`
}

// CreateESAPIKeyInput describes a new key.
type CreateESAPIKeyInput struct {
	ProjectArg
	Name            string                    `json:"name" jsonschema:"what the key is for, e.g. metrics-reader-key" validate:"required,max=256"`
	Expiration      string                    `json:"expiration" jsonschema:"lifetime, e.g. 7d; 1d-7d for CI and one-off work" validate:"required,duration"`
	RoleDescriptors map[string]ESKeyRoleInput `json:"role_descriptors" jsonschema:"privileges by descriptor name, e.g. {\"reader\":{\"indices\":[{\"names\":[\"logs-*\"]}]}}" validate:"required,min=1,max=20,dive"`
	Metadata        map[string]any            `json:"metadata,omitempty" jsonschema:"e.g. purpose, owner team"`
}

// CreateESAPIKeyOutput reports the new key; the secret is withheld.
type CreateESAPIKeyOutput struct {
	toolkit.WriteReport
	ID            string      `json:"id,omitempty"`
	Name          string      `json:"name"`
	Expires       string      `json:"expires,omitempty"`
	KeyLocation   *redact.Ref `json:"api_key_location,omitempty" jsonschema:"where the person finds the encoded key (the value for Authorization: ApiKey)"`
	Notes         []string    `json:"notes,omitempty"`
	SimilarActive []string    `json:"similar_active_keys,omitempty" jsonschema:"active keys with the same name that might be reused or revoked"`
}

func createESAPIKeyTool() toolkit.Tool { return toolkit.Define(createESAPIKeySpec, createESAPIKey) }

var createESAPIKeySpec = toolkit.Spec{
	Name:    "create_es_api_key",
	Title:   "Create an Elasticsearch API key",
	Toolset: toolkit.ToolsetESKeys,
	Tier:    toolkit.Write,
	Description: "Create an expiring Elasticsearch API key scoped by role_descriptors; the value goes to the person out of band; " +
		"escalations need approval. Call list_es_api_keys first.",
}

func createESAPIKey(ctx context.Context, c *toolkit.Call, in CreateESAPIKeyInput) (CreateESAPIKeyOutput, error) {
	out := CreateESAPIKeyOutput{Name: in.Name}
	if err := checkKeyRules(in); err != nil {
		return out, err
	}
	d, err := checkESKeyRequest(c, in)
	if err != nil {
		return out, err
	}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	c.Target("es_api_key:" + in.Name)
	pc := newPrivilegeCheck(ctx, t)
	descs, err := esKeyDescriptors(pc, in.RoleDescriptors, &out.WriteReport)
	if err != nil {
		return out, err
	}
	if err := pc.err(); err != nil {
		return out, err
	}
	out.Warnings = append(out.Warnings, pc.warnings...)
	// Reuse before creating (API key hygiene).
	warnSimilarKeys(ctx, t, in.Name, &out)
	if err := confirmKeyGrants(ctx, c, t, in, descs, &out); err != nil {
		return out, err
	}
	me, _ := t.ES.Authenticate(ctx)
	created, err := t.ES.CreateAPIKey(ctx, esapi.CreateAPIKeyRequest{Name: in.Name, Expiration: in.Expiration, RoleDescriptors: descs, Metadata: in.Metadata})
	if esapi.MaybeApplied(err) {
		return out, lostESKey(ctx, t, in.Name, out.SimilarActive, err)
	}
	if err != nil {
		var ee *esapi.Error
		if errors.As(err, &ee) && strings.Contains(ee.Reason, "derived api keys") {
			return out, toolkit.UpstreamFailure(err, "create the key with a user's credentials (ELASTICSEARCH_USERNAME/PASSWORD), or have a user with grant_api_key grant it",
				"Elasticsearch refused: the server authenticates with an API key, and an API key may only create keys without privileges (%s).", ee.Summary())
		}
		return out, stackFail(t, err)
	}
	out.Notes = append(out.Notes, "the key's privileges are the intersection of its role descriptors and its creator's privileges at creation time; later role changes do not reach it")
	if me != nil && me.AuthenticationType == "api_key" {
		out.Notes = append(out.Notes, "it was created with an API key, so it has no privileges of its own beyond that key's")
	}
	out.Expires = time.Now().Add(d).UTC().Format(time.RFC3339)
	if c.DryRun() || created.Encoded == "" {
		return out, nil
	}
	out.ID = created.ID
	if created.Expiration != 0 {
		out.Expires = esMillis(created.Expiration)
	}
	redact.Default().Remember(created.APIKey)
	ref, err := c.Withhold(ctx, redact.Secret{Label: "Elasticsearch API key " + in.Name + " (use as Authorization: ApiKey <value>)", Value: created.Encoded,
		Fields: map[string]string{"id": created.ID, "name": in.Name, "expires": out.Expires, "elasticsearch": t.ES.URL()}})
	if err != nil {
		return out, toolkit.PartialFailure(err, []string{"created API key " + created.ID + " (its value could not be handed over: invalidate it with invalidate_es_api_keys and create another)"})
	}
	out.KeyLocation = ref
	return out, nil
}

// checkESKeyRequest checks what needs no cluster: the name, the metadata,
// the role names, and the expiration against the operator's limit, which
// it returns.
func checkESKeyRequest(c *toolkit.Call, in CreateESAPIKeyInput) (time.Duration, error) {
	switch {
	case strings.TrimSpace(in.Name) != in.Name:
		return 0, toolkit.InvalidArgs("name may not begin or end with whitespace")
	case strings.HasPrefix(in.Name, "_"):
		return 0, toolkit.InvalidArgs("name may not begin with an underscore")
	}
	d, err := toolkit.ParseDuration(in.Expiration)
	if err != nil {
		return 0, toolkit.InvalidArgs("expiration: %v", err)
	}
	maxExp := c.Env.Limits.MaxESKeyExpiration
	if maxExp <= 0 {
		maxExp = toolkit.DefaultLimits.MaxESKeyExpiration
	}
	if d > maxExp {
		return 0, toolkit.InvalidArgs("expiration %s is longer than this server allows (%s); choose a shorter one and rotate the key", in.Expiration, toolkit.FormatDuration(maxExp))
	}
	if err := esCheckMetadata("metadata", in.Metadata); err != nil {
		return 0, err
	}
	for name := range in.RoleDescriptors {
		if err := toolkit.ValidESName(name); err != nil {
			return 0, toolkit.InvalidArgs("role_descriptors key %q: role %v", name, err)
		}
	}
	return d, nil
}

// confirmKeyGrants asks the access policy what the key's descriptors
// grant, and the person to approve any escalation. The key is judged by its
// descriptors alone: the creator's privileges may limit it further, but an
// approval should not depend on who happens to create it.
func confirmKeyGrants(ctx context.Context, c *toolkit.Call, t *toolkit.StackTarget, in CreateESAPIKeyInput, descs map[string]esapi.RoleDescriptor, out *CreateESAPIKeyOutput) error {
	change := policy.APIKeyChange{Name: in.Name, NewDescriptors: map[string]policy.Role{}}
	for name, d := range descs {
		r, err := policyRole(d)
		if err != nil {
			return toolkit.InvalidArgs("role_descriptors.%s cannot be judged (%v)", name, err)
		}
		change.NewDescriptors[name] = r
	}
	delta, err := judgeStack(ctx, t, policy.Change{APIKeys: []policy.APIKeyChange{change}})
	if err != nil {
		return err
	}
	if delta.Escalates() {
		out.Warn("this key carries superuser-like power: %s", escalationWords(delta))
	}
	return approve(ctx, c, &out.WriteReport, delta, approval{target: "es_api_key:" + in.Name, where: t.Label(),
		notes: []string{fmt.Sprintf("The key %q is valid for %s.", in.Name, in.Expiration)}})
}

// esKeyDescriptors turns requested role descriptors into the cluster's
// form, with privilege names checked against the target; create_es_api_key
// and update_es_api_key share it.
func esKeyDescriptors(pc *esPrivilegeCheck, in map[string]ESKeyRoleInput, w *toolkit.WriteReport) (map[string]esapi.RoleDescriptor, error) {
	descs := map[string]esapi.RoleDescriptor{}
	for _, name := range esapi.SortedKeys(in) {
		r := in[name]
		rd := esapi.RoleDescriptor{Cluster: pc.cluster("role_descriptors."+name+".cluster", r.Cluster)}
		idx, warnings, err := esIndexEntries(pc, name, r.Indices)
		if err != nil {
			return nil, err
		}
		w.Warnings = append(w.Warnings, warnings...)
		rd.Indices = idx
		for _, a := range r.Applications {
			rd.Applications = append(rd.Applications, esapi.ApplicationPrivileges{Application: a.Application, Privileges: a.Privileges, Resources: a.Resources})
		}
		if len(rd.Cluster) == 0 && len(rd.Indices) == 0 && len(rd.Applications) == 0 {
			return nil, toolkit.InvalidArgs("role_descriptors.%s grants nothing; give cluster, indices or applications", name)
		}
		descs[name] = rd
	}
	return descs, nil
}

// warnSimilarKeys lists active keys with the same name, so the person can
// revoke the ones a new key replaces. It is best effort.
func warnSimilarKeys(ctx context.Context, t *toolkit.StackTarget, name string, out *CreateESAPIKeyOutput) {
	if similar, err := t.ES.QueryAPIKeys(ctx, map[string]any{"size": 20, "query": map[string]any{"bool": map[string]any{"filter": []any{
		map[string]any{"term": map[string]any{"name": name}},
		map[string]any{"term": map[string]any{"invalidated": false}},
	}}}}); err == nil {
		now := time.Now()
		for _, k := range similar.APIKeys {
			if esKeyStatus(k, now) == "active" {
				out.SimilarActive = append(out.SimilarActive, fmt.Sprintf("%s (expires %s)", k.ID, orNever(esMillis(k.Expiration))))
			}
		}
		if len(out.SimilarActive) > 0 {
			out.Warn("active key(s) with the same name exist; revoke the ones no longer needed with invalidate_es_api_keys")
		}
	}
}

// lostESKey reports a key creation whose answer, and so the key's secret,
// was lost: it looks for keys with the name created in the last minutes
// (by the cluster's clock) that did not exist before the request, and says
// what it found. The secret of a key found that way is lost for good.
func lostESKey(ctx context.Context, t *toolkit.StackTarget, name string, before []string, err error) error {
	res, qerr := t.ES.QueryAPIKeys(ctx, map[string]any{"size": 10, "query": map[string]any{"bool": map[string]any{"filter": []any{
		map[string]any{"term": map[string]any{"name": name}},
		map[string]any{"term": map[string]any{"invalidated": false}},
		map[string]any{"range": map[string]any{"creation": map[string]any{"gte": "now-5m"}}},
	}}}})
	if qerr != nil {
		return toolkit.UpstreamFailure(err, "check with list_es_api_keys name="+name+"; invalidate a key created now whose secret nobody received, then create it again",
			"The key may have been created, but the answer (and so its secret) was lost: %v. Checking for it failed too (%s).", err, esShort(qerr))
	}
	var ids []string
	for _, k := range res.APIKeys {
		if !slices.ContainsFunc(before, func(s string) bool { return strings.HasPrefix(s, k.ID+" ") }) {
			ids = append(ids, k.ID)
		}
	}
	if len(ids) == 0 {
		return toolkit.UpstreamFailure(err, "create the key again; if unsure, check first with list_es_api_keys name="+name,
			"The key may have been created, but the answer was lost (%v). A check just now found no key named %s created in the last minutes, so it was not created.", err, name)
	}
	return toolkit.UpstreamFailure(err, "invalidate it with invalidate_es_api_keys ids=["+strings.Join(ids, ", ")+"] (nobody can use it), then create the key again; list_es_api_keys name="+name+" shows it",
		"The key may have been created, but the answer was lost (%v). A check just now found it: key %s named %s was created, and its secret was lost with the answer.", err, strings.Join(ids, ", "), name)
}

func orNever(s string) string {
	if s == "" {
		return "never"
	}
	return s
}

// InvalidateESAPIKeysInput names keys.
type InvalidateESAPIKeysInput struct {
	ProjectArg
	IDs  []string `json:"ids,omitempty" jsonschema:"key ids (see list_es_api_keys)" validate:"omitempty,max=100,dive,required"`
	Name string   `json:"name,omitempty" jsonschema:"every active key with exactly this name"`
}

// InvalidateESAPIKeysOutput reports the invalidation.
type InvalidateESAPIKeysOutput struct {
	toolkit.WriteReport
	Invalidated           []string `json:"invalidated"`
	PreviouslyInvalidated []string `json:"previously_invalidated,omitempty"`
	NotFound              []string `json:"not_found,omitempty"`
}

func invalidateESAPIKeysTool() toolkit.Tool {
	return toolkit.Define(invalidateESAPIKeysSpec, invalidateESAPIKeys)
}

var invalidateESAPIKeysSpec = toolkit.Spec{
	Name:        "invalidate_es_api_keys",
	Title:       "Invalidate Elasticsearch API keys",
	Toolset:     toolkit.ToolsetESKeys,
	Tier:        toolkit.Destructive,
	Description: "Revoke Elasticsearch API keys by ids or exact name, after approval; irreversible. Call list_es_api_keys first.",
}

func invalidateESAPIKeys(ctx context.Context, c *toolkit.Call, in InvalidateESAPIKeysInput) (InvalidateESAPIKeysOutput, error) {
	out := InvalidateESAPIKeysOutput{Invalidated: []string{}}
	if (len(in.IDs) == 0) == (in.Name == "") {
		return out, toolkit.InvalidArgs("give exactly one of ids and name")
	}
	if strings.Contains(in.Name, "*") {
		return out, toolkit.InvalidArgs("name must be exact (no wildcards) so that only the intended keys are revoked; list them with list_es_api_keys and pass ids")
	}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	q := map[string]any{"size": 1000}
	if in.Name != "" {
		q["query"] = map[string]any{"term": map[string]any{"name": in.Name}}
	} else {
		q["query"] = map[string]any{"ids": map[string]any{"values": in.IDs}}
	}
	res, err := t.ES.QueryAPIKeys(ctx, q)
	if err != nil {
		return out, stackFail(t, err)
	}
	self, err := esSelfKeyID(ctx, t)
	if err != nil {
		return out, stackFail(t, err)
	}
	seen := map[string]bool{}
	var todo, desc []string
	for _, k := range res.APIKeys {
		seen[k.ID] = true
		if k.ID == self && self != "" {
			return out, toolkit.Refused("leave this key alone, or invalidate it outside this server after configuring another credential",
				"API key %s (%s) is the credential this server runs with.", k.ID, k.Name)
		}
		if k.Invalidated {
			out.PreviouslyInvalidated = append(out.PreviouslyInvalidated, k.ID)
			continue
		}
		todo = append(todo, k.ID)
		desc = append(desc, fmt.Sprintf("%s %q of %s", k.ID, k.Name, k.Username))
	}
	for _, id := range in.IDs {
		if !seen[id] {
			out.NotFound = append(out.NotFound, id)
		}
	}
	if in.Name != "" && len(res.APIKeys) == 0 {
		out.NotFound = append(out.NotFound, in.Name)
	}
	if len(todo) == 0 {
		return out, nil
	}
	for _, id := range todo {
		c.Target("es_api_key:" + id)
	}
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: "es_api_keys:" + strings.Join(todo, ","),
		Message: fmt.Sprintf("Invalidate API key(s) %s on %s? This is irreversible; anything using them gets 401.", strings.Join(desc, "; "), t.Label())}); err != nil {
		return out, err
	}
	r, err := t.ES.InvalidateAPIKeys(ctx, esapi.InvalidateAPIKeysRequest{IDs: todo})
	if err != nil {
		return out, stackFail(t, err)
	}
	if c.DryRun() {
		out.Invalidated = todo
		return out, nil
	}
	out.Invalidated = nonNil(r.Invalidated)
	out.PreviouslyInvalidated = append(out.PreviouslyInvalidated, r.PreviouslyInvalidated...)
	for _, e := range r.ErrorDetails {
		out.Warn("%s: %s", e.Type, e.Reason)
	}
	return out, nil
}
