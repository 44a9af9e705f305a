package tools

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// cloudKeyTools returns the Cloud API key tools.
// ListCloudAPIKeysInput filters and pages the key list.
type ListCloudAPIKeysInput struct {
	Description string `json:"description,omitempty"`
	Limit       int    `json:"limit,omitempty" jsonschema:"page size, default 50, at most 500" validate:"omitempty,min=1,max=500"`
	Cursor      string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

// ListCloudAPIKeysOutput is one page of keys.
type ListCloudAPIKeysOutput struct {
	Keys       []CloudKeyView `json:"keys"`
	Total      int            `json:"total" jsonschema:"keys matching the filter"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// CloudKeyView is one Cloud API key, never its secret.
type CloudKeyView struct {
	ID           string     `json:"id"`
	Description  string     `json:"description"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty" jsonschema:"absent when the key never expires"`
	DaysToExpiry *int       `json:"days_to_expiry,omitempty" jsonschema:"days left, rounded up while the key is valid; absent when the key never expires"`
	Scope        []string   `json:"scope" jsonschema:"what the key may do, one line per role assignment"`
	StackAccess  bool       `json:"stack_access" jsonschema:"true when the key carries application_roles and can call Elasticsearch/Kibana in projects"`
	CreatedBy    string     `json:"created_by,omitempty" jsonschema:"the creator's user id"`
	ServerKey    bool       `json:"server_key,omitempty" jsonschema:"true for the key this server itself runs with"`
}

func listCloudAPIKeysTool() toolkit.Tool {
	return toolkit.Define(listCloudAPIKeysSpec, listCloudAPIKeys)
}

var listCloudAPIKeysSpec = toolkit.Spec{
	Name:    "list_cloud_api_keys",
	Title:   "List Cloud API keys",
	Toolset: toolkit.ToolsetCloudKeys,
	Tier:    toolkit.Read,
	Description: "List Cloud API keys (description, expiry, roles; never values). Call before create_cloud_api_key to reuse one, " +
		"or to find keys to revoke.",
}

func listCloudAPIKeys(ctx context.Context, c *toolkit.Call, in ListCloudAPIKeysInput) (ListCloudAPIKeysOutput, error) {
	out := ListCloudAPIKeysOutput{Keys: []CloudKeyView{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	offset, err := decodeCursor("cloud_keys", in.Cursor)
	if err != nil {
		return out, err
	}
	limit := in.Limit
	if limit == 0 {
		limit = 50
	}
	keys, err := cc.ListAPIKeys(ctx)
	if err != nil {
		return out, cloudErr(err, "list the Cloud API keys")
	}
	self := identifySelfKey(cc, keys)
	f := strings.ToLower(strings.TrimSpace(in.Description))
	var matched []cloudapi.APIKey
	for _, k := range keys {
		if f == "" || strings.Contains(strings.ToLower(k.Description), f) {
			matched = append(matched, k)
		}
	}
	out.Total = len(matched)
	if offset > len(matched) {
		return out, toolkit.InvalidArgs("cursor is past the end of the list; start again without cursor")
	}
	end := min(offset+limit, len(matched))
	now := time.Now()
	for _, k := range matched[offset:end] {
		v := viewKey(k, now)
		v.ServerKey = self.certain() && slices.Contains(self.ids, k.ID)
		out.Keys = append(out.Keys, v)
	}
	if end < len(matched) {
		out.NextCursor = encodeCursor("cloud_keys", end)
	}
	return out, nil
}

func viewKey(k cloudapi.APIKey, now time.Time) CloudKeyView {
	v := CloudKeyView{ID: k.ID, Description: k.Description, CreatedAt: k.CreationDate, CreatedBy: k.UserID,
		Scope: summarizeAssignments(k.RoleAssignments), StackAccess: hasStackAccess(k.RoleAssignments)}
	if v.Scope == nil {
		v.Scope = []string{}
	}
	if k.ExpirationDate != nil {
		t := *k.ExpirationDate
		v.ExpiresAt = &t
		// Rounded up while the key is valid: a new 7-day key has 7 days left,
		// not 6; a key in its last hours still has 1.
		days := t.Sub(now).Hours() / 24
		d := int(math.Floor(days))
		if days > 0 {
			d = int(math.Ceil(days))
		}
		v.DaysToExpiry = &d
	}
	return v
}

// selfKey is what the server knows about its own key among the listed ones.
//
// The Cloud API has no "who am I" for keys, and a listing never shows key
// values, so the server's own key is recognised, in order of reliability:
//  1. by the id the operator declared (cloudapi.Config.APIKeyID);
//  2. by its expiry and role: every response carries
//     X-Elastic-Api-Key-Expiration, the server key's own expiry, and a listed
//     key with the same expiry (to the second) may be it. With no header (a
//     key that never expires), every key without an expiry may be it. Since
//     listing keys needs an Organization owner, candidates without
//     organization-admin are ruled out.
//
// Way 2 can match other keys created in the same second; the delete tool
// then refuses all of them rather than risk cutting off its own access.
type selfKey struct {
	ids    []string
	exact  bool   // from the declared id
	reason string // how the ids were found, for messages
	// unknown is set when the expiry header could not be read: nothing can
	// be ruled out.
	unknown bool
}

func (s selfKey) certain() bool { return s.exact || (len(s.ids) == 1 && !s.unknown) }

func identifySelfKey(cc *cloudapi.Client, keys []cloudapi.APIKey) selfKey {
	if id := cc.APIKeyID(); id != "" {
		return selfKey{ids: []string{id}, exact: true, reason: "it is the key id configured for this server"}
	}
	raw := cc.KeyExpiration()
	if raw == "" {
		var s selfKey
		for _, k := range keys {
			if k.ExpirationDate == nil && mayListKeys(k) {
				s.ids = append(s.ids, k.ID)
			}
		}
		s.reason = "the server's key never expires, like this key"
		return s
	}
	exp, ok := parseKeyExpiration(raw)
	if !ok {
		return selfKey{unknown: true, reason: "the server's key expiry header could not be read"}
	}
	s := selfKey{reason: "it expires at the same moment as the server's own key (" + exp.UTC().Format(time.RFC3339) + ")"}
	for _, k := range keys {
		if k.ExpirationDate != nil && absDuration(k.ExpirationDate.Sub(exp)) <= time.Second && mayListKeys(k) {
			s.ids = append(s.ids, k.ID)
		}
	}
	return s
}

// mayListKeys says whether a key could be the server's own: the server has
// just listed the keys, which only Organization owners may do, so a key
// whose listed roles lack organization-admin is not the server's. A key
// listed without roles is kept, since nothing rules it out.
func mayListKeys(k cloudapi.APIKey) bool {
	if k.RoleAssignments == nil || k.RoleAssignments.IsEmpty() {
		return true
	}
	return slices.ContainsFunc(k.RoleAssignments.Organization, func(a cloudapi.OrganizationRoleAssignment) bool { return a.RoleID == "organization-admin" })
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// parseKeyExpiration reads X-Elastic-Api-Key-Expiration, whose format is
// undocumented (probably ISO-8601): several forms are accepted.
func parseKeyExpiration(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		if n > 1e12 { // milliseconds
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

// CreateCloudAPIKeyInput describes a new key.
type CreateCloudAPIKeyInput struct {
	Description string                `json:"description" jsonschema:"what the key is for, e.g. ci-deploy" validate:"required,max=255"`
	Expiration  string                `json:"expiration" jsonschema:"lifetime, e.g. 7d or 12h; 1d-7d for CI and one-off work" validate:"required,duration"`
	Roles       []RoleAssignmentInput `json:"roles" jsonschema:"role assignments; prefer project scope" validate:"required,min=1,max=20,dive"`
	StackAccess []string              `json:"stack_access,omitempty" jsonschema:"stack roles; without them the key has no Elasticsearch or Kibana access" validate:"omitempty,max=20"`
	ForceNew    bool                  `json:"force_new,omitempty" jsonschema:"create even if an identical key exists"`
}

// CreateCloudAPIKeyOutput describes the key; the secret is in the sink.
type CreateCloudAPIKeyOutput struct {
	toolkit.WriteReport
	Reused bool         `json:"reused" jsonschema:"true when an existing key with the same description and roles was returned instead of creating one; its value cannot be shown again"`
	Key    CloudKeyView `json:"cloud_key"`
	Secret *redact.Ref  `json:"key_location,omitempty" jsonschema:"where the person can collect the new key's value; it is never shown here"`
}

func maxCloudKeyExpiration(c *toolkit.Call) time.Duration {
	if c.Env != nil && c.Env.Limits.MaxCloudKeyExpiration > 0 {
		return c.Env.Limits.MaxCloudKeyExpiration
	}
	return toolkit.DefaultLimits.MaxCloudKeyExpiration
}

func createCloudAPIKeyTool() toolkit.Tool {
	return toolkit.Define(createCloudAPIKeySpec, createCloudAPIKey)
}

var createCloudAPIKeySpec = toolkit.Spec{
	Name:    "create_cloud_api_key",
	Title:   "Create a Cloud API key",
	Toolset: toolkit.ToolsetCloudKeys,
	Tier:    toolkit.Write,
	Description: "Create an expiring Cloud API key with explicit roles; stack_access adds Elasticsearch/Kibana roles. The value " +
		"goes to the person out of band. Call list_cloud_api_keys first to reuse one.",
}

func createCloudAPIKey(ctx context.Context, c *toolkit.Call, in CreateCloudAPIKeyInput) (CreateCloudAPIKeyOutput, error) {
	var out CreateCloudAPIKeyOutput
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	desc := strings.TrimSpace(in.Description)
	if desc == "" {
		return out, toolkit.InvalidArgs("description must not be blank")
	}
	ttl, err := toolkit.ParseDuration(in.Expiration)
	if err != nil {
		return out, toolkit.InvalidArgs("expiration: %v", err)
	}
	if maxTTL := maxCloudKeyExpiration(c); ttl > maxTTL {
		return out, toolkit.InvalidArgs("expiration %s is longer than this server allows (%s); choose a shorter expiration and rotate the key", in.Expiration, toolkit.FormatDuration(maxTTL))
	}
	stack, err := cleanNames(in.StackAccess, "stack_access")
	if err != nil {
		return out, err
	}
	roles, err := withStackAccess(in.Roles, stack)
	if err != nil {
		return out, err
	}
	_, _, tr, err := orgAssignments(ctx, cc, roles)
	if err != nil {
		return out, err
	}
	ra := tr.ra
	keys, err := cc.ListAPIKeys(ctx)
	if err != nil {
		return out, cloudErr(err, "list the existing Cloud API keys")
	}
	now := time.Now()
	keys = reusableCloudKeys(keys, desc, ttl, now, out.Warn)
	if reused := checkSameKeys(keys, desc, &ra, in.ForceNew, now, &out); reused {
		return out, nil
	}
	checkCustomRoles(ctx, cc, tr.customChecks, out.Warn)
	c.Target("cloud_key:" + desc)
	delta, note, err := judgeCloud(ctx, c, policy.Change{Cloud: []policy.CloudChange{{Kind: "cloud_api_key", Name: desc, New: policyAssignments(&ra)}}})
	if err != nil {
		return out, err
	}
	if err := approve(ctx, c, &out.WriteReport, delta, approval{target: "cloud_key:" + desc, where: "the Elastic Cloud organization",
		notes: []string{note, fmt.Sprintf("The key %q is valid for %s.", desc, toolkit.FormatDuration(ttl))}}); err != nil {
		return out, err
	}
	created, err := cc.CreateAPIKey(ctx, cloudapi.CreateAPIKeyRequest{Description: desc, Expiration: toolkit.FormatDuration(ttl), RoleAssignments: &ra})
	if cloudapi.MaybeApplied(err) {
		return out, lostCloudKey(ctx, cc, desc, keys, err)
	}
	if err != nil {
		return out, cloudErr(err, "create the Cloud API key")
	}
	if c.DryRun() || created.ID == "" {
		exp := now.Add(ttl)
		out.Key = viewKey(cloudapi.APIKey{Description: desc, CreationDate: now, ExpirationDate: &exp, RoleAssignments: &ra}, now)
		return out, nil
	}
	return handOverCloudKey(ctx, c, created, desc, &ra, now, out)
}

// lostCloudKey reports a key creation whose answer, and so the key's value,
// was lost: it lists the keys again and names the ones with the description
// that were not there before the request. Their value is lost for good.
func lostCloudKey(ctx context.Context, cc *cloudapi.Client, desc string, before []cloudapi.APIKey, err error) error {
	after, lerr := cc.ListAPIKeys(ctx)
	if lerr != nil {
		return toolkit.UpstreamFailure(err, "check with list_cloud_api_keys description="+desc+"; delete a key created now whose value nobody received, then create it again",
			"The key may have been created, but the answer (and so its value) was lost: %v. Checking for it failed too (%v).", err, lerr)
	}
	var ids []string
	for _, k := range after {
		known := slices.ContainsFunc(before, func(b cloudapi.APIKey) bool { return b.ID == k.ID })
		if !known && strings.EqualFold(strings.TrimSpace(k.Description), desc) {
			ids = append(ids, k.ID)
		}
	}
	if len(ids) == 0 {
		return toolkit.UpstreamFailure(err, "create the key again; if unsure, check first with list_cloud_api_keys description="+desc,
			"The key may have been created, but the answer was lost (%v). A check just now found no new key with description %q, so it was not created.", err, desc)
	}
	return toolkit.UpstreamFailure(err, "delete it with delete_cloud_api_keys ids=["+strings.Join(ids, ", ")+"] (nobody can use it), then create the key again",
		"The key may have been created, but the answer was lost (%v). A check just now found it: Cloud API key %s with description %q was created, and its value was lost with the answer.", err, strings.Join(ids, ", "), desc)
}

// withStackAccess gives the organization and project entries without
// application_roles the stack_access list (workflows.md §6): existing lists
// and deployment entries are left alone.
func withStackAccess(in []RoleAssignmentInput, stack []string) ([]RoleAssignmentInput, error) {
	roles := slices.Clone(in)
	if len(stack) > 0 {
		injected := false
		for i := range roles {
			if roles[i].Scope != "deployment" && len(roles[i].ApplicationRoles) == 0 {
				roles[i].ApplicationRoles = slices.Clone(stack)
				injected = true
			}
		}
		if !injected && !slices.ContainsFunc(roles, func(r RoleAssignmentInput) bool { return r.Scope != "deployment" }) {
			return nil, toolkit.InvalidArgs("stack_access needs an organization or project role to attach to (the scope of the key's Elasticsearch/Kibana access); deployment roles do not take it")
		}
	}
	return roles, nil
}

// checkSameKeys warns about unexpired keys with the same description and
// reports, in out, the one to reuse when the roles match too and a new key
// was not forced; reused says whether that happened.
func checkSameKeys(keys []cloudapi.APIKey, desc string, ra *cloudapi.RoleAssignments, forceNew bool, now time.Time, out *CreateCloudAPIKeyOutput) (reused bool) {
	for _, k := range keys {
		if !strings.EqualFold(strings.TrimSpace(k.Description), desc) || (k.ExpirationDate != nil && !k.ExpirationDate.After(now)) {
			continue
		}
		if sameAssignments(k.RoleAssignments, ra) {
			if !forceNew {
				out.Reused = true
				out.Key = viewKey(k, now)
				out.Warn("An unexpired key %s with this description and these roles already exists; it was not created again. Its value was shown only when it was created. If the person no longer has it, call again with force_new: true and then delete the old key.", k.ID)
				return true
			}
			out.Warn("Key %s has the same description and roles; delete it with delete_cloud_api_keys once the new key is in use.", k.ID)
		} else {
			out.Warn("Key %s has the same description but different roles; consider deleting it with delete_cloud_api_keys if this key replaces it.", k.ID)
		}
	}
	return false
}

// handOverCloudKey reports the created key and hands its value to the
// person through the secret sink; the value never reaches the model.
func handOverCloudKey(ctx context.Context, c *toolkit.Call, created *cloudapi.APIKey, desc string, ra *cloudapi.RoleAssignments, now time.Time, out CreateCloudAPIKeyOutput) (CreateCloudAPIKeyOutput, error) {
	secret := created.Key
	created.Key = ""
	out.Key = viewKey(*created, now)
	if len(out.Key.Scope) == 0 {
		out.Key.Scope = summarizeAssignments(ra)
		out.Key.StackAccess = hasStackAccess(ra)
	}
	if secret == "" {
		out.Warn("Elastic Cloud created key %s but did not return its value; delete it with delete_cloud_api_keys and create a new one.", created.ID)
		return out, nil
	}
	fields := map[string]string{"id": created.ID, "description": desc}
	if created.ExpirationDate != nil {
		fields["expires"] = created.ExpirationDate.UTC().Format(time.RFC3339)
	}
	ref, err := c.Withhold(ctx, redact.Secret{Label: "Elastic Cloud API key " + desc, Value: secret, Fields: fields})
	if err != nil {
		return out, toolkit.PartialFailure(&toolkit.Error{Kind: toolkit.KindInternal, Message: "The key's value could not be handed to the person (" + err.Error() + "), and it cannot be shown again.",
			Next: "delete the key with delete_cloud_api_keys (id " + created.ID + ") and ask the operator to fix the secret sink"},
			[]string{"created Cloud API key " + created.ID})
	}
	out.Secret = ref
	out.Warn("The key's value is shown only once: tell the person where to collect it (key_location), and to delete that copy once stored safely. Revoke the key with delete_cloud_api_keys when it is no longer needed.")
	return out, nil
}

// DeleteCloudAPIKeysInput names keys by id.
type DeleteCloudAPIKeysInput struct {
	IDs []string `json:"ids" jsonschema:"key ids (list_cloud_api_keys)" validate:"required,min=1,max=100,dive,required"`
}

// DeleteCloudAPIKeysOutput reports the deletion.
type DeleteCloudAPIKeysOutput struct {
	toolkit.WriteReport
	Deleted  []CloudKeyView `json:"deleted"`
	NotFound []string       `json:"not_found,omitempty" jsonschema:"ids that match no active key (already deleted or expired)"`
}

func deleteCloudAPIKeysTool() toolkit.Tool {
	return toolkit.Define(deleteCloudAPIKeysSpec, deleteCloudAPIKeys)
}

var deleteCloudAPIKeysSpec = toolkit.Spec{
	Name:        "delete_cloud_api_keys",
	Title:       "Delete Cloud API keys",
	Toolset:     toolkit.ToolsetCloudKeys,
	Tier:        toolkit.Destructive,
	Idempotent:  true,
	Description: "Revoke Cloud API keys by id, after approval; irreversible. Call list_cloud_api_keys first.",
}

func deleteCloudAPIKeys(ctx context.Context, c *toolkit.Call, in DeleteCloudAPIKeysInput) (DeleteCloudAPIKeysOutput, error) {
	out := DeleteCloudAPIKeysOutput{Deleted: []CloudKeyView{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	keys, err := cc.ListAPIKeys(ctx)
	if err != nil {
		return out, cloudErr(err, "list the Cloud API keys")
	}
	self := identifySelfKey(cc, keys)
	now := time.Now()
	var ids []string
	for _, raw := range in.IDs {
		id := strings.TrimSpace(raw)
		if slices.Contains(ids, id) {
			continue
		}
		if self.unknown || slices.Contains(self.ids, id) {
			how := "it may be the key this server runs with: " + self.reason
			next := "leave this key alone; if it is not the server's key, the operator can declare the server's own key id (EC_API_KEY_ID) so that it is recognised exactly"
			if self.exact || (self.certain() && !self.unknown) {
				how = "it is the key this server runs with (" + self.reason + ")"
				next = "to rotate the server's key, create a new key, reconfigure the server with it, then delete the old one from there"
			}
			return out, toolkit.Refused(next, "Refusing to delete Cloud API key %s: %s; deleting it would cut this server off.", id, how)
		}
		i := slices.IndexFunc(keys, func(k cloudapi.APIKey) bool { return k.ID == id })
		if i < 0 {
			out.NotFound = append(out.NotFound, id)
			continue
		}
		ids = append(ids, id)
		out.Deleted = append(out.Deleted, viewKey(keys[i], now))
		c.Target("cloud_key:" + id)
	}
	if len(ids) == 0 {
		return out, &toolkit.Error{Kind: toolkit.KindInvalidArguments, Message: fmt.Sprintf("Invalid arguments: no active Cloud API key has the id(s) %s.", strings.Join(out.NotFound, ", ")),
			Next: "call list_cloud_api_keys to see the keys; expired keys are no longer listed"}
	}
	if len(out.NotFound) > 0 {
		out.Warn("No active key with id(s) %s; they were skipped.", strings.Join(out.NotFound, ", "))
	}
	var labels []string
	for _, k := range out.Deleted {
		labels = append(labels, fmt.Sprintf("%s (%s)", k.ID, k.Description))
	}
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: "cloud_keys:" + strings.Join(ids, ","),
		Message: fmt.Sprintf("Delete the Cloud API key(s) %s? Anything using them stops working immediately; this cannot be undone.", strings.Join(labels, ", "))}); err != nil {
		return out, err
	}
	if err := cc.DeleteAPIKeys(ctx, ids); err != nil {
		return out, cloudErr(err, "delete the Cloud API keys")
	}
	return out, nil
}
