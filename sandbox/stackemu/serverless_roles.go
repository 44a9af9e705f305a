package stackemu

import "sort"

// Serverless projects have no reserved roles of the stack (superuser,
// kibana_system, ...): they list their own predefined roles, which depend on
// the project type (Elastic's "user roles" docs for Serverless; the Cloud
// emulator's role ids are the same names with the type prefix). Descriptors
// are abbreviated to their characteristic privileges.
func serverlessPredefinedRoles(projectType string) map[string]*roleDescriptor {
	all := []string{"*"}
	nonDot := []string{"/~(([.]|ilm-history-).*)/"}
	kibana := func(privs ...string) []appPriv {
		return []appPriv{{Application: kibanaApp, Privileges: privs, Resources: all}}
	}
	defs := map[string]*roleDescriptor{
		"admin": {Cluster: []string{"all"}, Indices: []indexPriv{idx(all, "all")},
			Applications: []appPriv{{Application: "*", Privileges: all, Resources: all}}},
		"developer": {Cluster: []string{"monitor", "manage_index_templates", "manage_ingest_pipelines", "manage_own_api_key",
			"manage_enrich", "manage_search_application", "manage_search_synonyms", "manage_inference"},
			Indices: []indexPriv{idx(all, "all")}, Applications: kibana("all")},
		"editor": {Indices: []indexPriv{idx(nonDot, "read", "view_index_metadata", "write", "maintenance"),
			idx([]string{".siem-signals*", ".lists-*", ".items-*", ".alerts*", ".internal.alerts*"}, "read", "view_index_metadata", "write", "maintenance")},
			Applications: kibana("all")},
		"viewer": {Indices: []indexPriv{idx(nonDot, "read", "view_index_metadata"),
			idx([]string{".siem-signals*", ".lists-*", ".items-*", ".alerts*"}, "read", "view_index_metadata")},
			Applications: kibana("read")},
	}
	var names []string
	switch projectType {
	case "elasticsearch":
		names = []string{"admin", "developer", "viewer"}
	case "observability":
		names = []string{"admin", "editor", "viewer"}
	case "security":
		names = []string{"admin", "editor", "viewer"}
		// Security's analyst and engineer roles read every data index and
		// use Kibana's Security features.
		for _, n := range []string{"t1_analyst", "t2_analyst", "t3_analyst", "threat_intelligence_analyst", "rule_author",
			"soc_manager", "detections_admin", "platform_engineer", "endpoint_operations_analyst", "endpoint_policy_manager"} {
			defs[n] = &roleDescriptor{Indices: []indexPriv{idx(nonDot, "read", "view_index_metadata")},
				Applications: kibana("feature_siemV2.read", "feature_securitySolutionCasesV2.all")}
			names = append(names, n)
		}
	default:
		names = []string{"admin", "developer", "editor", "viewer"}
	}
	out := map[string]*roleDescriptor{}
	for _, n := range names {
		d := defs[n]
		if d.Cluster == nil {
			d.Cluster = []string{}
		}
		if d.Indices == nil {
			d.Indices = []indexPriv{}
		}
		if d.Applications == nil {
			d.Applications = []appPriv{}
		}
		d.RunAs = []string{}
		d.Metadata = reservedMeta()
		out[n] = d
	}
	return out
}

// isReservedRole reports whether name is one of the cluster's predefined
// roles, which cannot be written or deleted.
func (c *Cluster) isReservedRole(name string) bool { _, ok := c.predefined[name]; return ok }

func (c *Cluster) predefinedNames() []string {
	out := make([]string, 0, len(c.predefined))
	for n := range c.predefined {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
