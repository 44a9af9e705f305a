package tools

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// The rules of the Elastic skills, checked before any call so that a call
// that breaks one changes nothing. Each handler calls its rule in one line;
// the rules themselves live here, in one place.

// roleNameRule is the role naming rule of every flavour (Serverless enforces
// it; self-managed clusters accept more, which then cannot move to
// Serverless and is hard to use in URLs and templates).
var roleNameRule = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// genericRoleName matches names that say nothing about the access they give.
var genericRoleName = regexp.MustCompile(`^(?i)((custom|new|my|test|temp|tmp|default|sample|example)[-_.]?)?(role|test|user)?[-_.]?[0-9]*$`)

// checkRoleRules applies the skills' rules to a role being written:
// internal action names are refused with the named privilege that covers
// them, the name must follow the naming rule, Kibana feature and space ids
// must exist in Kibana when it is known; generic names and sentence-like
// descriptions are warned about.
func checkRoleRules(ctx context.Context, t *toolkit.StackTarget, in PutRoleInput, warn func(string, ...any)) error {
	if !roleNameRule.MatchString(in.Name) {
		return toolkit.InvalidArgs("name %q does not follow the role naming rule %s (a letter or digit, then letters, digits, _, - or .); use a short hyphenated name such as logs-reader", in.Name, roleNameRule)
	}
	var problems []string
	problems = append(problems, internalActions("cluster", in.Cluster, clusterPrivilegeCover)...)
	for i, ix := range in.Indices {
		problems = append(problems, internalActions(fmt.Sprintf("indices[%d].privileges", i), ix.Privileges, indexPrivilegeCover)...)
	}
	if len(problems) > 0 {
		return toolkit.InvalidArgs("%s. Never use internal action names", strings.Join(problems, "; "))
	}
	if err := checkKibanaIDs(ctx, t, in.Kibana); err != nil {
		return err
	}
	warnRoleNaming(in.Name, in.Description, warn)
	return nil
}

// warnRoleNaming warns about a generic role name or a description that is a
// sentence rather than a short display name.
func warnRoleNaming(name, description string, warn func(string, ...any)) {
	if genericRoleName.MatchString(name) {
		warn("role name %q is generic: name roles after the access they give, e.g. logs-reader or hr-department-viewer", name)
	}
	if d := strings.TrimSpace(description); d != "" && (strings.HasSuffix(d, ".") || len(strings.Fields(d)) > 6) {
		warn("the description %q reads like a sentence; Kibana shows it as the role's display name, so keep it short, e.g. \"Logs Reader\"", d)
	}
}

// checkKeyRules refuses internal action names in an API key's descriptors.
func checkKeyRules(in CreateESAPIKeyInput) error {
	var problems []string
	for _, name := range sortedMapKeys(in.RoleDescriptors) {
		d := in.RoleDescriptors[name]
		problems = append(problems, internalActions("role_descriptors."+name+".cluster", d.Cluster, clusterPrivilegeCover)...)
		for i, ix := range d.Indices {
			problems = append(problems, internalActions(fmt.Sprintf("role_descriptors.%s.indices[%d].privileges", name, i), ix.Privileges, indexPrivilegeCover)...)
		}
	}
	if len(problems) > 0 {
		return toolkit.InvalidArgs("%s. Never use internal action names", strings.Join(problems, "; "))
	}
	return nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isInternalAction says whether a privilege is an action name or pattern
// (cluster:monitor/main, indices:data/read/search) rather than a named one.
func isInternalAction(p string) bool {
	p = strings.ToLower(strings.TrimSpace(p))
	return strings.HasPrefix(p, "cluster:") || strings.HasPrefix(p, "indices:") || strings.HasPrefix(p, "internal:")
}

// internalActions describes each internal action name in privs, with the
// named privilege that covers it.
func internalActions(where string, privs []string, cover func(string) string) []string {
	var out []string
	for _, p := range privs {
		if !isInternalAction(p) {
			continue
		}
		msg := fmt.Sprintf("%s: %q is an internal action name", where, p)
		if named := cover(p); named != "" {
			msg += fmt.Sprintf("; use the named privilege %s, which covers it", named)
		}
		out = append(out, msg)
	}
	return out
}

func clusterPrivilegeCover(action string) string {
	return narrowestCover(action, policy.ClusterPrivilegeNames(), policy.ClusterPrivilege)
}

func indexPrivilegeCover(action string) string {
	return narrowestCover(action, policy.IndexPrivilegeNames(), policy.IndexPrivilege)
}

// narrowestCover finds the named privilege that covers every action the
// pattern names and grants the least besides ("" when none but all does).
func narrowestCover(action string, names []string, set func(string) (policy.Set, error)) string {
	want, err := policy.Pattern(strings.ToLower(strings.TrimSpace(action)))
	if err != nil {
		return ""
	}
	type cand struct {
		name string
		set  policy.Set
	}
	var covering []cand
	for _, n := range names {
		if n == "all" {
			continue
		}
		s, err := set(n)
		if err != nil || !want.SubsetOf(s) {
			continue
		}
		covering = append(covering, cand{n, s})
	}
	best := -1
	for i, c := range covering {
		if best < 0 {
			best = i
			continue
		}
		b := covering[best]
		// Prefer the one contained in the other; otherwise the shorter
		// (and so more common) name.
		switch {
		case c.set.SubsetOf(b.set) && !b.set.SubsetOf(c.set):
			best = i
		case b.set.SubsetOf(c.set):
		case len(c.name) < len(b.name):
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return covering[best].name
}

// mappingRuleFields are the user fields a role-mapping rule can match.
var mappingRuleFields = []string{"username", "dn", "groups", "realm.name"}

// checkMappingRuleFields refuses role-mapping rules on fields Elasticsearch
// never fills in (the rule would silently never match), naming the nearest
// valid field.
func checkMappingRuleFields(rules map[string]any) error {
	var bad []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if k == "field" {
					if f, ok := c.(map[string]any); ok {
						for name := range f {
							if !validMappingField(name) {
								bad = append(bad, fmt.Sprintf("%q (did you mean %s?)", name, nearestMappingField(name)))
							}
						}
					}
					continue
				}
				walk(c)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(rules)
	if len(bad) > 0 {
		sort.Strings(bad)
		return toolkit.InvalidArgs("rules match on unknown field(s) %s; a role-mapping rule can match only username, dn, groups, realm.name and metadata.<key>", strings.Join(bad, ", "))
	}
	return nil
}

func validMappingField(name string) bool {
	return slices.Contains(mappingRuleFields, name) || (strings.HasPrefix(name, "metadata.") && len(name) > len("metadata."))
}

func nearestMappingField(name string) string {
	l := strings.ToLower(name)
	switch {
	case strings.HasPrefix(l, "realm"):
		return "realm.name"
	case strings.HasPrefix(l, "meta"), strings.Contains(l, "."):
		return "metadata." + l[strings.LastIndex(l, ".")+1:]
	case strings.Contains(l, "group"), strings.Contains(l, "role"), l == "memberof":
		return "groups"
	case strings.HasPrefix(l, "user"), l == "login", l == "name", l == "email":
		return "username"
	}
	best, dist := "groups", 1<<30
	for _, f := range mappingRuleFields {
		if d := levenshtein(l, f); d < dist {
			best, dist = f, d
		}
	}
	if dist > 2 {
		// Not a misspelt field: most likely a user attribute the realm
		// reports as metadata (department, team).
		return "metadata." + l
	}
	return best
}

// reusableCloudKeys drops, from the keys create_cloud_api_key may reuse,
// those with the same description that expire before the requested lifetime
// is over: a new key is created then, and the shorter-lived one is named.
func reusableCloudKeys(keys []cloudapi.APIKey, desc string, ttl time.Duration, now time.Time, warn func(string, ...any)) []cloudapi.APIKey {
	// A key made moments ago for the same lifetime is still good enough.
	grace := min(time.Hour, ttl/10)
	out := keys[:0:0]
	for _, k := range keys {
		same := strings.EqualFold(strings.TrimSpace(k.Description), desc)
		if same && k.ExpirationDate != nil && k.ExpirationDate.After(now) && k.ExpirationDate.Sub(now) < ttl-grace {
			warn("Key %s has the same description but expires %s, before the requested %s are over, so it is not reused; delete it with delete_cloud_api_keys once the new key is in use.",
				k.ID, k.ExpirationDate.UTC().Format(time.RFC3339), toolkit.FormatDuration(ttl))
			continue
		}
		out = append(out, k)
	}
	return out
}

// checkMemberRemoval refuses removing every Organization owner, or the member
// whose API key this server runs with (the server would lock itself out).
func checkMemberRemoval(ctx context.Context, cc *cloudapi.Client, removing []cloudapi.Member) error {
	gone := map[string]bool{}
	for _, m := range removing {
		gone[m.UserID] = true
	}
	all, err := cc.ListMembers(ctx)
	if err != nil {
		return cloudErr(err, "list the members to check that an Organization owner remains")
	}
	owners, remaining := 0, 0
	for _, m := range all {
		if holds(&m.RoleAssignments, grant{scope: "organization", role: "organization-admin", all: true}) {
			owners++
			if !gone[m.UserID] {
				remaining++
			}
		}
	}
	if owners > 0 && remaining == 0 {
		return toolkit.Refused("make another member Organization owner first (assign_cloud_roles scope organization, role organization-admin), then remove this one",
			"Removing %s would leave the organization without an Organization owner; nothing was changed.", memberLabels(removing))
	}
	keys, err := cc.ListAPIKeys(ctx)
	if err != nil {
		return nil // without the key list the server's own key cannot be told; owners are still protected
	}
	self := identifySelfKey(cc, keys)
	if !self.certain() {
		return nil
	}
	for _, k := range keys {
		if k.ID == self.ids[0] && gone[k.UserID] {
			return toolkit.Refused("run the server with a key of another Organization owner first, or remove this member from the Elastic Cloud console",
				"This server runs with Cloud API key %s of %s; removing that member would revoke the server's own access. Nothing was changed.", k.ID, memberLabels(filterMembers(removing, k.UserID)))
		}
	}
	return nil
}

func memberLabels(ms []cloudapi.Member) string {
	labels := make([]string, 0, len(ms))
	for _, m := range ms {
		labels = append(labels, memberLabel(m))
	}
	return strings.Join(labels, ", ")
}

func filterMembers(ms []cloudapi.Member, userID string) []cloudapi.Member {
	var out []cloudapi.Member
	for _, m := range ms {
		if m.UserID == userID {
			out = append(out, m)
		}
	}
	return out
}

// checkKibanaIDs refuses Kibana feature and space ids that the configured
// Kibana does not know (a typo such as "dashboards" would otherwise grant
// nothing). Without Kibana, or when it cannot list them, nothing is checked.
func checkKibanaIDs(ctx context.Context, t *toolkit.StackTarget, grants []KibanaGrantInput) error {
	if t.Kibana == nil || len(grants) == 0 {
		return nil
	}
	var features, spaces []string
	if fs, err := t.Kibana.ListFeatures(ctx); err == nil {
		for _, f := range fs {
			features = append(features, f.ID)
		}
	}
	if ss, err := t.Kibana.ListSpaces(ctx); err == nil {
		for _, s := range ss {
			spaces = append(spaces, s.ID)
		}
	}
	var problems []string
	for i, g := range grants {
		for _, id := range sortedMapKeys(g.Features) {
			if len(features) > 0 && !slices.Contains(features, id) {
				problems = append(problems, fmt.Sprintf("kibana[%d].features: %q is not a Kibana feature%s", i, id, suggest(id, features)))
			}
		}
		for _, s := range g.Spaces {
			if s != "*" && len(spaces) > 0 && !slices.Contains(spaces, s) {
				problems = append(problems, fmt.Sprintf("kibana[%d].spaces: %q is not a space of this Kibana; spaces (list_kibana_spaces): %s", i, s, strings.Join(spaces, ", ")))
			}
		}
	}
	if len(problems) > 0 {
		return toolkit.InvalidArgs("%s", strings.Join(problems, "; "))
	}
	return nil
}
