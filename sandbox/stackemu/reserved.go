package stackemu

import (
	"sort"
	"sync"
)

// Reserved roles and users of the pinned Elasticsearch version (9.1;
// reference §3). Descriptors other than superuser, kibana_admin, viewer and
// editor are abbreviated to their characteristic privileges.

func reservedMeta() map[string]any { return map[string]any{"_reserved": true} }

func deprecatedMeta(reason string) map[string]any {
	return map[string]any{"_reserved": true, "_deprecated": true, "_deprecated_reason": reason}
}

func idx(names []string, privs ...string) indexPriv {
	return indexPriv{Names: names, Privileges: privs}
}

func kibanaApps(privs ...string) []appPriv {
	return []appPriv{{Application: kibanaApp, Privileges: privs, Resources: []string{"*"}}}
}

func reservedRoleDescriptors() map[string]*roleDescriptor {
	all := []string{"*"}
	nonDot := []string{"/~(([.]|ilm-history-).*)/"}
	r := map[string]*roleDescriptor{
		"superuser": {
			Cluster: []string{"all"},
			Indices: []indexPriv{idx(all, "all"),
				{Names: all, Privileges: []string{"monitor", "read", "view_index_metadata", "read_cross_cluster"}, AllowRestricted: true}},
			Applications: []appPriv{{Application: "*", Privileges: all, Resources: all}},
			RunAs:        all,
			RemoteIndices: []indexPriv{{Names: all, Privileges: []string{"all"}, Clusters: all},
				{Names: all, Privileges: []string{"monitor", "read", "view_index_metadata", "read_cross_cluster"}, AllowRestricted: true, Clusters: all}},
			RemoteCluster: []remoteClusterPriv{{Privileges: []string{"monitor_enrich", "monitor_stats"}, Clusters: all}},
		},
		"transport_client":        {Cluster: []string{"transport_client"}},
		"kibana_admin":            {Applications: kibanaApps("all")},
		"kibana_user":             {Applications: kibanaApps("all")},
		"monitoring_user":         {Cluster: []string{"cluster:monitor/main", "cluster:monitor/xpack/info"}, Indices: []indexPriv{idx([]string{".monitoring-*"}, "read", "read_cross_cluster"), idx([]string{"/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/"}, "read", "read_cross_cluster"), idx([]string{"metricbeat-*"}, "read", "read_cross_cluster")}, Applications: []appPriv{{Application: kibanaApp, Privileges: []string{"reserved_monitoring"}, Resources: all}}},
		"remote_monitoring_agent": {Cluster: []string{"manage_index_templates", "manage_ingest_pipelines", "monitor", "cluster:monitor/xpack/watcher/watch/get", "cluster:admin/xpack/watcher/watch/put", "cluster:admin/xpack/watcher/watch/delete"}, Indices: []indexPriv{idx([]string{".monitoring-*"}, "all"), idx([]string{"metricbeat-*"}, "index", "create_index", "view_index_metadata", "indices:admin/aliases")}},
		"remote_monitoring_collector": {Cluster: []string{"monitor"}, Indices: []indexPriv{idx(all, "monitor"),
			{Names: all, Privileges: []string{"monitor"}, AllowRestricted: true}, idx([]string{".kibana*"}, "read")}},
		"ingest_admin":           {Cluster: []string{"manage_index_templates", "manage_pipeline"}},
		"reporting_user":         {Applications: []appPriv{{Application: kibanaApp, Privileges: []string{"reserved_reporting_user"}, Resources: all}}},
		"kibana_system":          {Cluster: []string{"monitor", "manage_index_templates", "cluster:admin/xpack/monitoring/bulk", "manage_saml", "manage_token", "manage_oidc", "manage_ml", "manage_pipeline", "manage_ilm", "manage_own_api_key", "grant_api_key", "manage_api_key"}, Indices: []indexPriv{idx([]string{".kibana*", ".reporting-*"}, "all"), idx([]string{".monitoring-*"}, "read", "read_cross_cluster")}},
		"logstash_system":        {Cluster: []string{"monitor", "cluster:admin/xpack/monitoring/bulk"}},
		"beats_admin":            {Indices: []indexPriv{idx([]string{".management-beats"}, "all")}},
		"beats_system":           {Cluster: []string{"monitor", "cluster:admin/xpack/monitoring/bulk"}, Indices: []indexPriv{idx([]string{".monitoring-beats-*"}, "create_index", "create")}},
		"apm_system":             {Cluster: []string{"monitor", "cluster:admin/xpack/monitoring/bulk"}, Indices: []indexPriv{idx([]string{".monitoring-beats-*"}, "create_index", "create_doc")}},
		"apm_user":               {Indices: []indexPriv{idx([]string{"apm-*"}, "read", "view_index_metadata"), idx([]string{".ml-anomalies*"}, "view_index_metadata", "read")}, Applications: []appPriv{{Application: kibanaApp, Privileges: []string{"feature_apm.read"}, Resources: all}}},
		"machine_learning_user":  {Cluster: []string{"monitor_ml"}, Indices: []indexPriv{idx([]string{".ml-anomalies*", ".ml-notifications*"}, "view_index_metadata", "read")}, Applications: []appPriv{{Application: kibanaApp, Privileges: []string{"feature_ml.read"}, Resources: all}}},
		"machine_learning_admin": {Cluster: []string{"manage_ml"}, Indices: []indexPriv{idx([]string{".ml-anomalies*", ".ml-notifications*", ".ml-state*", ".ml-meta*", ".ml-stats-*"}, "view_index_metadata", "read"), idx([]string{".ml-annotations*"}, "view_index_metadata", "read", "write")}, Applications: []appPriv{{Application: kibanaApp, Privileges: []string{"feature_ml.all"}, Resources: all}}},
		"transform_admin":        {Cluster: []string{"manage_transform"}, Indices: []indexPriv{idx([]string{".transform-notifications*", ".data-frame-notifications*", ".transform-notifications-*"}, "view_index_metadata", "read")}},
		"transform_user":         {Cluster: []string{"monitor_transform"}, Indices: []indexPriv{idx([]string{".transform-notifications*", ".data-frame-notifications*", ".transform-notifications-*"}, "view_index_metadata", "read")}},
		"watcher_admin":          {Cluster: []string{"manage_watcher"}, Indices: []indexPriv{idx([]string{".watches", ".triggered_watches", ".watcher-history-*"}, "read")}},
		"watcher_user":           {Cluster: []string{"monitor_watcher"}, Indices: []indexPriv{idx([]string{".watches"}, "read"), idx([]string{".watcher-history-*"}, "read")}},
		"logstash_admin":         {Cluster: []string{"manage_logstash_pipelines"}, Indices: []indexPriv{idx([]string{".logstash*"}, "create", "delete", "index", "manage", "read")}},
		"rollup_user":            {Cluster: []string{"monitor_rollup"}},
		"rollup_admin":           {Cluster: []string{"manage_rollup"}},
		"snapshot_user":          {Cluster: []string{"create_snapshot", "monitor_snapshot"}, Indices: []indexPriv{{Names: all, Privileges: []string{"view_index_metadata"}, AllowRestricted: true}}},
		"enrich_user":            {Cluster: []string{"manage_enrich", "manage_ingest_pipelines", "monitor"}, Indices: []indexPriv{idx([]string{".enrich-*"}, "manage", "read", "write")}},
		"inference_admin":        {Cluster: []string{"manage_inference"}},
		"inference_user":         {Cluster: []string{"monitor_inference"}},
		"viewer": {
			Indices: []indexPriv{idx(nonDot, "read", "view_index_metadata"),
				idx([]string{".siem-signals*", ".lists-*", ".items-*"}, "read", "view_index_metadata"),
				idx([]string{".alerts*", ".preview.alerts*"}, "read", "view_index_metadata")},
			Applications: kibanaApps("read"),
		},
		"editor": {
			Indices: []indexPriv{idx([]string{"observability-annotations"}, "read", "view_index_metadata", "write"),
				idx(nonDot, "read", "view_index_metadata"),
				idx([]string{".siem-signals*", ".lists-*", ".items-*"}, "read", "view_index_metadata", "write", "maintenance"),
				idx([]string{".internal.alerts*", ".alerts*", ".internal.preview.alerts*", ".preview.alerts*"}, "read", "view_index_metadata", "write", "maintenance")},
			Applications: kibanaApps("all"),
		},
	}
	for name, d := range r {
		if d.Cluster == nil {
			d.Cluster = []string{}
		}
		if d.Indices == nil {
			d.Indices = []indexPriv{}
		}
		if d.Applications == nil {
			d.Applications = []appPriv{}
		}
		if d.RunAs == nil {
			d.RunAs = []string{}
		}
		switch name {
		case "kibana_user":
			d.Metadata = deprecatedMeta("Please use the [kibana_admin] role instead")
		case "reporting_user":
			d.Metadata = deprecatedMeta("Please use Kibana feature privileges to grant access to reporting features instead")
		case "apm_user":
			d.Metadata = deprecatedMeta("This role will be removed in a future major release. Please use editor and viewer roles instead")
		default:
			d.Metadata = reservedMeta()
		}
	}
	return r
}

var reservedRoles = sync.OnceValue(reservedRoleDescriptors)

// Reserved users (ClientReservedRealm) and their roles.
var reservedUserRoles = map[string][]string{
	"elastic":                {"superuser"},
	"kibana":                 {"kibana_system"},
	"kibana_system":          {"kibana_system"},
	"logstash_system":        {"logstash_system"},
	"beats_system":           {"beats_system"},
	"apm_system":             {"apm_system"},
	"remote_monitoring_user": {"remote_monitoring_collector", "remote_monitoring_agent"},
}

var internalUsers = map[string]bool{
	"_system": true, "_xpack": true, "_xpack_security": true, "_async_search": true, "_security_profile": true,
	"_data_stream_lifecycle": true, "_storage": true, "_synonyms": true, "_lazy_rollover": true,
	"_reindex_data_stream": true,
}

func reservedUserMeta(name string) map[string]any {
	if name == "kibana" {
		return deprecatedMeta("Please use the [kibana_system] user instead.")
	}
	return reservedMeta()
}

func reservedUserNames() []string {
	out := make([]string, 0, len(reservedUserRoles))
	for n := range reservedUserRoles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
