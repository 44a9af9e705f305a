package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Capability kinds. The escalating ones are those through which a holder
// reaches superuser-level or organization-wide access, or loses a
// restriction; every other grant is reported as KindRole, KindPrivileges or
// KindCloudRole.
const (
	KindSuperuser            = "superuser"
	KindClusterAll           = "cluster_all"
	KindSecurityAdmin        = "security_admin"
	KindActAsOthers          = "act_as_others"
	KindRunAs                = "run_as"
	KindIndexEverywhere      = "index_everywhere"
	KindSecurityIndices      = "security_indices"
	KindKibanaAll            = "kibana_all"
	KindRestrictionCancelled = "restriction_cancelled"
	KindAnyRole              = "any_role"
	KindOrganizationAdmin    = "organization_admin"
	KindOrganizationAppRoles = "organization_application_roles"
	KindAdminEverywhere      = "admin_everywhere"
	KindProjectAdmin         = "project_admin"
	KindInheritsOwner        = "inherits_owner"
	KindRole                 = "role"
	KindPrivileges           = "privileges"
	KindCloudRole            = "cloud_role"
	KindUnknownRole          = "undefined_role"
	KindUnknownPrivilege     = "unknown_privilege"
)

// Capability is one thing a principal can do, with the roles it comes from.
type Capability struct {
	Kind       string   `json:"kind"`
	Detail     string   `json:"detail,omitempty"`
	Escalation bool     `json:"escalation"`
	Via        []string `json:"via,omitempty"`
}

func (c Capability) key() string { return c.Kind + "\x00" + c.Detail }

func (c Capability) describe() string {
	switch c.Kind {
	case KindSuperuser:
		return "superuser: every privilege on this cluster"
	case KindClusterAll:
		return "every cluster privilege, security administration included"
	case KindSecurityAdmin:
		return "security administration (" + c.Detail + "), enough to create users, roles and role mappings and so to grant itself any privilege"
	case KindActAsOthers:
		return "the means to obtain credentials that act as other users (" + c.Detail + ")"
	case KindRunAs:
		return "the right to run requests as " + c.Detail
	case KindIndexEverywhere:
		return c.Detail + " on every index"
	case KindSecurityIndices:
		return c.Detail + " access to the security indices (password hashes, API keys, tokens)"
	case KindKibanaAll:
		return "Kibana " + c.Detail + " in every space"
	case KindUnknownPrivilege:
		return "privileges the policy cannot judge (" + c.Detail + "), treated as a possible escalation"
	}
	if c.Detail != "" {
		return c.Kind + ": " + c.Detail
	}
	return c.Kind
}

var (
	riskOnce                                           sync.Once
	allCluster, securityWrite, actAsOthersSet          Set
	allIndex, writeActions, manageActions, readActions Set
	actAsOthersPrivs                                   = []string{"manage_saml", "manage_oidc", "manage_token", "grant_api_key", "delegate_pki"}
)

func riskSets() {
	riskOnce.Do(func() {
		allCluster, _ = ClusterPrivilege("all")
		// Actions that change who may do what: with any of them a holder can
		// give itself every privilege.
		securityWrite = mustPatterns(
			"cluster:admin/xpack/security/role/put*", "cluster:admin/xpack/security/role/bulk_put*",
			"cluster:admin/xpack/security/user/put*", "cluster:admin/xpack/security/user/change_password*",
			"cluster:admin/xpack/security/user/set_enabled*", "cluster:admin/xpack/security/role_mapping/put*",
			"cluster:admin/xpack/security/privilege/put*", "cluster:admin/xpack/security/service_account/token/create*",
			"cluster:admin/xpack/security/settings/update*")
		for _, n := range actAsOthersPrivs {
			s, _ := ClusterPrivilege(n)
			actAsOthersSet = actAsOthersSet.Union(s)
		}
		allIndex, _ = IndexPrivilege("all")
		writeActions = mustPatterns("indices:data/write/*")
		manageActions = mustPatterns("indices:admin/delete*", "indices:admin/close*", "indices:admin/settings/update*",
			"indices:admin/mapping/put*", "indices:admin/data_stream/delete*", "indices:admin/rollover*", "indices:admin/aliases",
			"indices:admin/aliases[*")
		readActions = mustPatterns("indices:data/read/*").Minus(mustPatterns("indices:data/read/field_caps*"))
	})
}

// capabilities classifies a permission; for several layers (an API key and
// its owner) only what every layer allows is kept.
func (p *Permission) capabilities() []Capability {
	if len(p.layers) == 0 {
		return nil
	}
	caps := layerCapabilities(p.layers[0])
	for _, l := range p.layers[1:] {
		caps = intersectCapabilities(caps, layerCapabilities(l))
	}
	return caps
}

// intersectCapabilities keeps what both sides allow, by kind: superuser on
// one side leaves the other side's capabilities, every cluster privilege on
// one side leaves the other's cluster-level ones, and otherwise a kind is
// kept when both sides have it.
func intersectCapabilities(a, b []Capability) []Capability {
	has := func(caps []Capability, kind string) bool {
		for _, c := range caps {
			if c.Kind == kind {
				return true
			}
		}
		return false
	}
	switch {
	case has(a, KindSuperuser):
		return b
	case has(b, KindSuperuser):
		return a
	}
	clusterLevel := func(kind string) bool { return kind == KindSecurityAdmin || kind == KindActAsOthers }
	var out []Capability
	for _, c := range a {
		if has(b, c.Kind) || (clusterLevel(c.Kind) && has(b, KindClusterAll)) {
			out = append(out, c)
		}
	}
	for _, c := range b {
		if clusterLevel(c.Kind) && has(a, KindClusterAll) && !has(a, c.Kind) {
			out = append(out, c)
		}
	}
	return out
}

// Escalations lists the escalating capabilities of the permission.
func (p *Permission) Escalations() []Capability {
	var out []Capability
	for _, c := range p.capabilities() {
		if c.Escalation {
			out = append(out, c)
		}
	}
	return out
}

// SuperuserLike reports whether the permission reaches superuser-level access
// by any escalating capability.
func (p *Permission) SuperuserLike() bool { return len(p.Escalations()) > 0 }

func layerCapabilities(layer []*compiledRole) []Capability {
	riskSets()
	var out []Capability
	add := func(kind, detail string, via []string) {
		out = append(out, Capability{Kind: kind, Detail: detail, Escalation: true, Via: uniqSorted(via)})
	}
	var cluster, runAs Set
	var clusterVia, secVia, actVia, runAsVia []string
	for _, r := range layer {
		cluster = cluster.Union(r.cluster)
		if r.cluster.Overlaps(allCluster) {
			clusterVia = append(clusterVia, r.name)
		}
		if r.cluster.Overlaps(securityWrite) {
			secVia = append(secVia, r.name)
		}
		if r.cluster.Overlaps(actAsOthersSet) {
			actVia = append(actVia, r.name)
		}
		if !r.runAs.IsEmpty() {
			runAs = runAs.Union(r.runAs)
			runAsVia = append(runAsVia, r.name)
		}
	}
	// Index privileges, combined over roles: a union of narrow patterns can
	// still cover every index.
	var allNames, writeNames, manageNames Set
	var allVia, writeVia, manageVia, secIdxVia []string
	secIdx := ""
	for _, r := range layer {
		for _, g := range r.groups {
			if allIndex.SubsetOf(g.privs) {
				allNames = allNames.Union(g.names)
				allVia = append(allVia, r.name)
			}
			if g.privs.Overlaps(writeActions) {
				writeNames = writeNames.Union(g.names)
				writeVia = append(writeVia, r.name)
			}
			if g.privs.Overlaps(manageActions) {
				manageNames = manageNames.Union(g.names)
				manageVia = append(manageVia, r.name)
			}
			if g.names.Overlaps(securityIndices()) && (g.privs.Overlaps(readActions) || g.privs.Overlaps(writeActions) ||
				g.privs.Overlaps(manageActions)) {
				secIdxVia = append(secIdxVia, r.name)
				if g.privs.Overlaps(writeActions) || g.privs.Overlaps(manageActions) {
					secIdx = "write"
				} else if secIdx == "" {
					secIdx = "read"
				}
			}
		}
	}
	if allCluster.SubsetOf(cluster) && ordinaryIndices().SubsetOf(allNames) {
		// Superuser subsumes every other capability: with it a holder can
		// grant itself the rest.
		add(KindSuperuser, "", append(clusterVia, allVia...))
		return out
	}
	{
		if allCluster.SubsetOf(cluster) {
			add(KindClusterAll, "", clusterVia)
		} else if len(secVia) > 0 {
			ex, _ := cluster.Intersect(securityWrite).Example()
			add(KindSecurityAdmin, ex, secVia)
		}
		switch {
		case ordinaryIndices().SubsetOf(allNames):
			add(KindIndexEverywhere, "all", allVia)
		case ordinaryIndices().SubsetOf(writeNames) && ordinaryIndices().SubsetOf(manageNames):
			add(KindIndexEverywhere, "write and manage", append(writeVia, manageVia...))
		case ordinaryIndices().SubsetOf(writeNames):
			add(KindIndexEverywhere, "write", writeVia)
		case ordinaryIndices().SubsetOf(manageNames):
			add(KindIndexEverywhere, "manage", manageVia)
		}
	}
	if len(actVia) > 0 && !allCluster.SubsetOf(cluster) {
		var names []string
		for _, n := range actAsOthersPrivs {
			s, _ := ClusterPrivilege(n)
			if cluster.Overlaps(s) {
				names = append(names, n)
			}
		}
		add(KindActAsOthers, strings.Join(names, ", "), actVia)
	}
	if len(runAsVia) > 0 {
		detail := "any user"
		if !MustPattern("?*").SubsetOf(runAs) {
			ex, _ := runAs.Example()
			detail = "other users (for example " + strconvQuote(ex) + ")"
			if !strings.ContainsAny(strings.Join(runAsPatterns(layer), ""), "*?/") {
				detail = strings.Join(runAsPatterns(layer), ", ")
			}
		}
		add(KindRunAs, detail, runAsVia)
	}
	if secIdx != "" {
		add(KindSecurityIndices, secIdx, secIdxVia)
	}
	if via, what := kibanaEverywhere(layer); len(via) > 0 {
		add(KindKibanaAll, what, via)
	}
	for _, r := range layer {
		if len(r.unknown) > 0 {
			add(KindUnknownPrivilege, strings.Join(r.unknown, ", "), []string{r.name})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func runAsPatterns(layer []*compiledRole) []string {
	var out []string
	for _, r := range layer {
		out = append(out, r.raw.RunAs...)
	}
	return uniqSorted(out)
}

// kibanaEverywhere finds application entries that grant Kibana's global all
// (or space_all) on every space.
func kibanaEverywhere(layer []*compiledRole) ([]string, string) {
	everySpace := MustPattern("space:*")
	var via []string
	what := "all"
	for _, r := range layer {
		for _, ap := range r.apps {
			app, err := Pattern(ap.Application)
			if err != nil || !app.Contains(KibanaApplication) {
				continue
			}
			res, err := Patterns(ap.Resources...)
			if err != nil || !(res.Contains("*") || everySpace.SubsetOf(res)) {
				continue
			}
			for _, p := range ap.Privileges {
				switch normalizePrivilege(p) {
				case "all", "*":
					via = append(via, r.name)
				case "space_all":
					via = append(via, r.name)
					what = "space_all"
				}
			}
		}
	}
	return uniqSorted(via), what
}

// cancelledRestrictions finds document- or field-restricted read access in
// before that after lifts on overlapping indices through an index group that
// before did not have.
func cancelledRestrictions(before, after *Permission) []Capability {
	riskSets()
	if before == nil || after == nil || len(before.layers) == 0 || len(after.layers) == 0 {
		return nil
	}
	had := map[string]bool{}
	for _, r := range before.layers[0] {
		for _, g := range r.groups {
			had[groupID(r.name, g)] = true
		}
	}
	var out []Capability
	for _, r := range before.layers[0] {
		for _, g := range r.groups {
			if !g.restricted() || !g.privs.Overlaps(readActions) {
				continue
			}
			for _, nr := range after.layers[0] {
				for _, ng := range nr.groups {
					if ng.restricted() || had[groupID(nr.name, ng)] || !ng.privs.Overlaps(readActions) ||
						!ng.names.Overlaps(g.names) {
						continue
					}
					what := "document-level"
					if g.source.Query == "" {
						what = "field-level"
					} else if g.source.FieldSecurity != nil {
						what = "document- and field-level"
					}
					ex, _ := ng.names.Intersect(g.names).Example()
					out = append(out, Capability{Kind: KindRestrictionCancelled, Escalation: true, Via: []string{nr.name},
						Detail: fmt.Sprintf("the %s security of role %s on %s: role %s reads %s without restriction (for example %s)",
							what, r.name, strings.Join(g.source.Names, ","), nr.name, strings.Join(ng.source.Names, ","), strconvQuote(ex))})
				}
			}
		}
	}
	return out
}

func groupID(role string, g compiledGroup) string {
	b, _ := json.Marshal(g.source)
	return role + "\x00" + string(b)
}
