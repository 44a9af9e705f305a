package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// UpdateESAPIKeyInput changes existing keys.
type UpdateESAPIKeyInput struct {
	ProjectArg
	IDs             []string                  `json:"ids" jsonschema:"key ids (list_es_api_keys)" validate:"required,min=1,max=100,dive,required"`
	RoleDescriptors map[string]ESKeyRoleInput `json:"role_descriptors,omitempty" jsonschema:"replace the descriptors; omit to keep" validate:"omitempty,max=20,dive"`
	Metadata        map[string]any            `json:"metadata,omitempty" jsonschema:"replaces the metadata"`
	Expiration      string                    `json:"expiration,omitempty" jsonschema:"new lifetime from now, e.g. 7d" validate:"omitempty,duration"`
}

// UpdateESAPIKeyOutput reports the update.
type UpdateESAPIKeyOutput struct {
	toolkit.WriteReport
	Updated   []string `json:"updated"`
	Unchanged []string `json:"unchanged,omitempty" jsonschema:"keys that already had exactly this definition"`
	Failed    []string `json:"failed,omitempty" jsonschema:"keys Elasticsearch refused to update, with the reason"`
	Access    []string `json:"access_change,omitempty" jsonschema:"what the new descriptors grant, as the access policy judged it"`
}

func updateESAPIKeyTool() toolkit.Tool { return toolkit.Define(updateESAPIKeySpec, updateESAPIKey) }

var updateESAPIKeySpec = toolkit.Spec{
	Name:    "update_es_api_key",
	Title:   "Update Elasticsearch API keys",
	Toolset: toolkit.ToolsetESKeys,
	Tier:    toolkit.Destructive,
	Description: "Change role descriptors, metadata or expiry of Elasticsearch API keys of the server's user (in bulk), after " +
		"approval. Call list_es_api_keys for ids.",
}

func updateESAPIKey(ctx context.Context, c *toolkit.Call, in UpdateESAPIKeyInput) (UpdateESAPIKeyOutput, error) {
	out := UpdateESAPIKeyOutput{Updated: []string{}}
	req, err := checkKeyUpdate(c, in)
	if err != nil {
		return out, err
	}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(in.IDs)))
	for _, id := range ids {
		c.Target("es_api_key:" + id)
	}
	keys, err := ownedKeys(ctx, t, ids)
	if err != nil {
		return out, err
	}
	if in.RoleDescriptors != nil {
		pc := newPrivilegeCheck(ctx, t)
		if req.RoleDescriptors, err = esKeyDescriptors(pc, in.RoleDescriptors, &out.WriteReport); err != nil {
			return out, err
		}
		if err := pc.err(); err != nil {
			return out, err
		}
		out.Warnings = append(out.Warnings, pc.warnings...)
	}
	delta, err := judgeKeyUpdate(ctx, t, keys, req.RoleDescriptors)
	if err != nil {
		return out, err
	}
	out.Access = accessLines(delta)
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: "es_api_keys:" + strings.Join(ids, ","),
		Message: keyUpdateMessage(t, keys, in, delta)}); err != nil {
		return out, err
	}
	return out, applyKeyUpdate(ctx, c, t, ids, req, &out)
}

// checkKeyUpdate checks what needs no cluster and builds the request
// (without descriptors, which need the cluster's privilege names).
func checkKeyUpdate(c *toolkit.Call, in UpdateESAPIKeyInput) (esapi.UpdateAPIKeyRequest, error) {
	var req esapi.UpdateAPIKeyRequest
	if in.RoleDescriptors == nil && in.Metadata == nil && in.Expiration == "" {
		return req, toolkit.InvalidArgs("give at least one of role_descriptors, metadata and expiration")
	}
	if in.Expiration != "" {
		d, err := toolkit.ParseDuration(in.Expiration)
		if err != nil {
			return req, toolkit.InvalidArgs("expiration: %v", err)
		}
		maxExp := c.Env.Limits.MaxESKeyExpiration
		if maxExp <= 0 {
			maxExp = toolkit.DefaultLimits.MaxESKeyExpiration
		}
		if d > maxExp {
			return req, toolkit.InvalidArgs("expiration %s is longer than this server allows (%s)", in.Expiration, toolkit.FormatDuration(maxExp))
		}
		req.Expiration = in.Expiration
	}
	if err := esCheckMetadata("metadata", in.Metadata); err != nil {
		return req, err
	}
	req.Metadata = in.Metadata
	if in.RoleDescriptors != nil && len(in.RoleDescriptors) == 0 {
		return req, toolkit.InvalidArgs("role_descriptors is empty, which would give the keys every privilege of their owner; name the privileges, or omit role_descriptors to keep them")
	}
	for name := range in.RoleDescriptors {
		if err := toolkit.ValidESName(name); err != nil {
			return req, toolkit.InvalidArgs("role_descriptors key %q: role %v", name, err)
		}
	}
	return req, nil
}

// ownedKeys reads the keys and refuses, before anything is sent, ids that do
// not exist, invalidated keys, and keys of another owner (Elasticsearch
// lets only the owner update a key).
func ownedKeys(ctx context.Context, t *toolkit.StackTarget, ids []string) ([]esapi.APIKey, error) {
	res, err := t.ES.QueryAPIKeys(ctx, map[string]any{"size": len(ids), "query": map[string]any{"ids": map[string]any{"values": ids}}})
	if err != nil {
		return nil, stackFail(t, err)
	}
	me, err := t.ES.Authenticate(ctx)
	if err != nil {
		return nil, stackFail(t, err)
	}
	if me.AuthenticationType == "api_key" {
		return nil, toolkit.Refused("configure the server with the key owner's username and password, or create a new key with create_es_api_key and invalidate the old one",
			"The server authenticates with an API key, and Elasticsearch does not let an API key update API keys.")
	}
	found := map[string]esapi.APIKey{}
	for _, k := range res.APIKeys {
		found[k.ID] = k
	}
	var missing, problems []string
	var keys []esapi.APIKey
	for _, id := range ids {
		k, ok := found[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case k.Invalidated:
			problems = append(problems, id+" is invalidated")
		case k.Username != me.Username:
			problems = append(problems, fmt.Sprintf("%s belongs to %s, not to %s", id, k.Username, me.Username))
		default:
			keys = append(keys, k)
		}
	}
	if len(missing) > 0 {
		return nil, toolkit.InvalidArgs("no API keys with ids %s; find the ids with list_es_api_keys", strings.Join(missing, ", "))
	}
	if len(problems) > 0 {
		return nil, toolkit.Refused("create a replacement with create_es_api_key and invalidate the old key, or ask its owner",
			"These keys cannot be updated by this server: %s.", strings.Join(problems, "; "))
	}
	return keys, nil
}

// judgeKeyUpdate asks the access policy what the new descriptors grant each
// key beyond its old ones. Without new descriptors the keys' access does not
// change, and there is nothing to judge.
func judgeKeyUpdate(ctx context.Context, t *toolkit.StackTarget, keys []esapi.APIKey, descs map[string]esapi.RoleDescriptor) (*policy.Delta, error) {
	if descs == nil {
		return &policy.Delta{}, nil
	}
	newDescs, err := toPolicyRoles(descs)
	if err != nil {
		return nil, toolkit.InvalidArgs("role_descriptors cannot be judged (%v)", err)
	}
	var change policy.Change
	for _, k := range keys {
		old, err := toPolicyRoles(k.RoleDescriptors)
		if err != nil {
			return nil, toolkit.UpstreamFailure(err, "read the key with list_es_api_keys", "The current descriptors of key %s cannot be read.", k.ID)
		}
		change.APIKeys = append(change.APIKeys, policy.APIKeyChange{Name: k.Name + " (" + k.ID + ")", ID: k.ID, Exists: true,
			OldDescriptors: old, NewDescriptors: newDescs})
	}
	d, err := policy.Evaluate(ctx, change, clusterRoles{es: t.ES})
	if err != nil {
		return nil, toolkit.UpstreamFailure(err, "check that the server's credentials can read roles (read_security), then try again",
			"The access policy could not judge the new descriptors, so nothing was changed.")
	}
	return d, nil
}

func keyUpdateMessage(t *toolkit.StackTarget, keys []esapi.APIKey, in UpdateESAPIKeyInput, d *policy.Delta) string {
	var names, what []string
	for _, k := range keys {
		names = append(names, fmt.Sprintf("%s (%s)", k.Name, k.ID))
	}
	if in.RoleDescriptors != nil {
		what = append(what, "replace their role descriptors with "+strings.Join(esapi.SortedKeys(in.RoleDescriptors), ", "))
	}
	if in.Metadata != nil {
		what = append(what, "replace their metadata")
	}
	if in.Expiration != "" {
		what = append(what, "make them expire in "+in.Expiration)
	}
	msg := fmt.Sprintf("On %s, update API keys %s: %s.", t.Label(), strings.Join(names, ", "), strings.Join(what, "; "))
	if d.Escalates() {
		msg += "\nThis escalates access:\n" + d.Describe()
	}
	return msg + "\nApprove?"
}

// applyKeyUpdate sends the update: one bulk request where the API has it
// (not on Serverless), otherwise one request per key, stopping when the
// client cancels.
func applyKeyUpdate(ctx context.Context, c *toolkit.Call, t *toolkit.StackTarget, ids []string, req esapi.UpdateAPIKeyRequest, out *UpdateESAPIKeyOutput) error {
	if len(ids) > 1 && t.Flavor(ctx) != esapi.FlavorServerless {
		res, err := t.ES.BulkUpdateAPIKeys(ctx, ids, req)
		if err != nil {
			return stackFail(t, err)
		}
		out.Updated = append(out.Updated, res.Updated...)
		out.Unchanged = res.Noops
		if res.Errors != nil {
			for _, id := range esapi.SortedKeys(res.Errors.Details) {
				e := res.Errors.Details[id]
				out.Failed = append(out.Failed, id+": "+e.Reason)
			}
		}
		return nil
	}
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return toolkit.PartialFailure(err, out.Updated)
		}
		updated, err := t.ES.UpdateAPIKey(ctx, id, req)
		if err != nil {
			return toolkit.PartialFailure(stackFail(t, err), out.Updated)
		}
		if updated || c.DryRun() {
			out.Updated = append(out.Updated, id)
		} else {
			out.Unchanged = append(out.Unchanged, id)
		}
		c.Progress(ctx, i+1, len(ids), "updated key "+id)
	}
	return nil
}

// accessLines is a delta as short lines for a result.
func accessLines(d *policy.Delta) []string {
	var out []string
	for _, g := range d.Grants {
		line := g.Principal.String() + " gains " + g.Capability.Kind
		if g.Capability.Detail != "" {
			line += " (" + g.Capability.Detail + ")"
		}
		if g.Capability.Escalation {
			line += " [escalation: needs approval]"
		}
		out = append(out, line)
	}
	return out
}
