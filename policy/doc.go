// Package policy decides what a change to access grants, and how risky that
// is, with Elasticsearch's own privilege semantics. It is the one place where
// a write tool's escalation decision is made, and the model of "who can do
// what" that explain_access and access_review read from.
//
// # Semantics
//
// Everything Elasticsearch compares as automata is compared here as sets of
// strings (Set): index name patterns (wildcards * and ?, Lucene regular
// expressions between slashes with @, #, <n-m>, & and ~), privilege action
// patterns, run_as patterns and application resources. Named privileges are
// resolved to the action sets of Elasticsearch 9.1 (ClusterPrivilege,
// IndexPrivilege), so "all", "cluster:*" and "cluster:admin/xpack/security/*"
// are judged by what they cover, never by their spelling. Index groups lose the
// restricted indices (.security* and the like) unless they set
// allow_restricted_indices. Built-in roles are judged by the definitions the
// cluster reports, read through a Reader, not by a list of names.
//
// # Read side
//
// NewPermission compiles the roles a principal holds; Limit intersects it
// with an API key owner's roles. Permission.Cluster, Index, Application and
// RunAs answer "is this allowed, and by which roles?"; Index also gives the
// effective document-level security (the granting roles' queries, or none if
// any granting role has no query) and field-level security (the union, or
// every field if any granting role has no restriction), with a warning where
// one role cancels another's restriction. Permission.Escalations classifies
// what the roles together allow.
//
// # Write side
//
// A tool describes its write as a Change (roles, users, role mappings, API
// keys, Cloud role assignments, old and new) and calls Evaluate. The result is
// a Delta: one Grant per principal, route and capability gained. Grants whose
// capability is an escalation — cluster or security administration, acting as
// other users, run_as, all/write/manage on every index or any access to the
// security indices, Kibana all in every space, a restriction cancelled, a
// role template that can produce any role, Cloud organization-admin,
// organization-scoped application_roles, admin on every or one project or
// deployment, and any assignment of a role whose definition has one of these
// — need the person's approval.
//
// Delta.Describe states the delta in plain words ("alice gains superuser:
// every privilege on this cluster (through role superuser)"); Delta.Digest is
// the sha256 of its canonical JSON, so an approval sealed with the digest no
// longer fits once what the change grants is different.
//
// # Intended integration
//
// A write tool builds the change, evaluates it, and asks for approval only
// when the delta escalates; the reader is implemented by the tool layer over
// the Elasticsearch client (GET /_security/role/<names>, built-in roles
// included):
//
//	type clusterRoles struct{ es *esapi.Client }
//
//	func (r clusterRoles) Roles(ctx context.Context, project string, names []string) (map[string]policy.Role, error) {
//		got, err := r.es.GetRoles(ctx, names...) // the project's client when project != ""
//		if err != nil {
//			return nil, err
//		}
//		out := map[string]policy.Role{}
//		for name, d := range got {
//			b, _ := json.Marshal(d)
//			var role policy.Role
//			if err := json.Unmarshal(b, &role); err != nil {
//				return nil, err
//			}
//			out[name] = role
//		}
//		return out, nil
//	}
//
//	func handlePutUser(ctx context.Context, args putUserArgs) (*mcp.CallToolResult, error) {
//		old, exists := lookUpUser(ctx, args.Username)
//		change := policy.Change{Users: []policy.UserChange{{
//			Username: args.Username, Exists: exists, OldRoles: old.Roles, OldEnabled: old.Enabled,
//			NewRoles: args.Roles, NewEnabled: true,
//		}}}
//		delta, err := policy.Evaluate(ctx, change, clusterRoles{es})
//		if err != nil {
//			return toolError("could not judge the change: " + err.Error() + "; nothing was changed"), nil
//		}
//		if args.DryRun {
//			return dryRun(plannedRequests, delta), nil
//		}
//		if delta.Escalates() {
//			// The prompt shows delta.Describe(); the sealed approval binds
//			// delta.Digest() with the tool and arguments. On redemption the
//			// handler evaluates again and asks again if the digest changed.
//			if !confirm(ctx, delta.Describe(), delta.Digest()) {
//				return toolError("not approved; nothing was changed"), nil
//			}
//		}
//		return putUser(ctx, args)
//	}
package policy
