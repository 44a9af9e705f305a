package resources

// Privilege is one named privilege with a one-line meaning.
type Privilege struct {
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
	// stackOnly privileges do not exist on Serverless.
	stackOnly bool
}

// PrivilegeCatalog is the privileges of one Elasticsearch flavour.
type PrivilegeCatalog struct {
	Flavor      string      `json:"flavor"`
	Cluster     []Privilege `json:"cluster"`
	Index       []Privilege `json:"index"`
	RunAs       string      `json:"run_as"`
	Application Application `json:"application"`
	Advice      []string    `json:"advice"`
}

// Application explains application privileges and the Kibana ones.
type Application struct {
	Meaning string `json:"meaning"`
	// KibanaApplication is the application name Kibana privileges use.
	KibanaApplication string      `json:"kibana_application"`
	Kibana            []Privilege `json:"kibana"`
}

func stackOnly(name, meaning string) Privilege {
	return Privilege{Name: name, Meaning: meaning, stackOnly: true}
}
func both(name, meaning string) Privilege { return Privilege{Name: name, Meaning: meaning} }

// clusterPrivileges are the named cluster privileges of Elasticsearch 9, with
// meanings written for someone choosing the least one that does a job.
var clusterPrivileges = []Privilege{
	both("none", "Nothing."),
	both("all", "Every cluster action, security included: effectively a cluster administrator. Avoid."),
	both("manage", "Every cluster action except security: settings, templates, pipelines, snapshots and more."),
	both("monitor", "Read-only cluster state, health, node and index statistics."),
	both("manage_security", "Users, roles, role mappings, API keys and privileges of everyone: full control of access."),
	both("read_security", "Read users, roles, role mappings and API keys without changing them."),
	both("manage_api_key", "Create, read and invalidate API keys of every user."),
	both("manage_own_api_key", "Create, read and invalidate only the caller's own API keys."),
	stackOnly("grant_api_key", "Create API keys on behalf of other users (grant API)."),
	stackOnly("manage_token", "Create and invalidate OAuth2-style access and refresh tokens."),
	stackOnly("manage_saml", "Drive SAML sign-in on behalf of users (for custom web front ends)."),
	stackOnly("manage_oidc", "Drive OpenID Connect sign-in on behalf of users (for custom web front ends)."),
	stackOnly("manage_service_account", "Read service accounts and create or delete their tokens."),
	both("manage_user_profile", "Create, update and read user profiles."),
	stackOnly("delegate_pki", "Exchange a client certificate chain for a token on behalf of a user (PKI delegation)."),
	both("manage_index_templates", "Create, change and delete index and component templates."),
	both("manage_ingest_pipelines", "Create, change and delete ingest pipelines."),
	both("manage_pipeline", "Same as manage_ingest_pipelines (older name)."),
	both("read_pipeline", "Read and simulate ingest pipelines."),
	stackOnly("manage_ilm", "Create, change and delete index lifecycle policies and start or stop ILM."),
	stackOnly("read_ilm", "Read index lifecycle policies and ILM status."),
	stackOnly("manage_slm", "Create, change and run snapshot lifecycle policies."),
	stackOnly("read_slm", "Read snapshot lifecycle policies and SLM status."),
	both("manage_ml", "Create, run and delete machine learning jobs, datafeeds and models."),
	both("monitor_ml", "Read machine learning jobs, datafeeds and models and their statistics."),
	both("manage_transform", "Create, start, stop and delete transforms."),
	stackOnly("manage_data_frame_transforms", "Older name of manage_transform (deprecated)."),
	both("monitor_transform", "Read transforms and their statistics."),
	both("monitor_data_frame_transforms", "Older name of monitor_transform (deprecated)."),
	stackOnly("manage_watcher", "Create, run and acknowledge watches."),
	stackOnly("monitor_watcher", "Read watches and watcher statistics."),
	both("manage_enrich", "Create, run and delete enrich policies."),
	both("monitor_enrich", "Read enrich policies and their statistics."),
	both("monitor_esql", "See running ES|QL queries and their status."),
	both("cancel_task", "Cancel running tasks."),
	stackOnly("manage_ccr", "Manage cross-cluster replication followers and auto-follow patterns."),
	stackOnly("read_ccr", "Read cross-cluster replication state; needed on leader clusters."),
	stackOnly("create_snapshot", "Take snapshots into existing repositories and read snapshot details."),
	stackOnly("monitor_snapshot", "Read repositories and snapshot details."),
	stackOnly("manage_rollup", "Create, run and delete rollup jobs (legacy)."),
	stackOnly("monitor_rollup", "Read rollup jobs and their capabilities (legacy)."),
	stackOnly("transport_client", "Connect as a transport client; needed by remote clusters for cross-cluster search."),
	stackOnly("manage_autoscaling", "Manage autoscaling policies."),
	both("manage_logstash_pipelines", "Create, change and delete centrally managed Logstash pipelines."),
	both("manage_inference", "Create, change and delete inference endpoints."),
	both("monitor_inference", "Read inference endpoints."),
	both("manage_search_application", "Create, change and delete search applications."),
	both("manage_behavioral_analytics", "Create and delete behavioral analytics collections."),
	both("post_behavioral_analytics_event", "Send events to behavioral analytics collections."),
	both("manage_search_query_rules", "Create, change and delete query rulesets."),
	both("manage_search_synonyms", "Create, change and delete synonym sets."),
	both("manage_connector", "Create, change and delete connectors and their sync jobs."),
	both("monitor_connector", "Read connectors and their sync jobs."),
	both("read_connector_secrets", "Read connector secrets (credentials of external systems)."),
	both("write_connector_secrets", "Write connector secrets (credentials of external systems)."),
	both("read_fleet_secrets", "Read Fleet secrets (agent credentials); meant for Fleet Server."),
	both("write_fleet_secrets", "Write Fleet secrets (agent credentials); meant for Fleet Server."),
	stackOnly("cross_cluster_search", "Connect to this cluster for cross-cluster search with API-key based remote clusters."),
	stackOnly("cross_cluster_replication", "Connect to this cluster for cross-cluster replication with API-key based remote clusters."),
	both("manage_data_stream_global_retention", "Change the cluster-wide default retention of data streams (deprecated, grants nothing today)."),
	both("monitor_data_stream_global_retention", "Read the cluster-wide data stream retention (deprecated, grants nothing today)."),
	stackOnly("monitor_stats", "Read cluster statistics and feature usage."),
	stackOnly("monitor_text_structure", "Use the find-structure APIs on sample text."),
}

// indexPrivileges are the named index privileges.
var indexPrivileges = []Privilege{
	both("none", "Nothing."),
	both("all", "Every action on the indices, including deleting them. Avoid."),
	both("read", "Search and read documents (get, search, count, ES|QL, SQL)."),
	both("view_index_metadata", "See mappings, settings, aliases and field capabilities; pair with read for read-only access."),
	both("read_cross_cluster", "Search these indices from a remote cluster (cross-cluster search)."),
	both("write", "Index, update and delete documents and update mappings as documents arrive."),
	both("create", "Add new documents and overwrite existing ones by id; no update or delete."),
	both("create_doc", "Add new documents only, never overwrite: the safest ingest privilege."),
	both("index", "Add and update documents; no delete."),
	both("delete", "Delete documents."),
	both("create_index", "Create indices and data streams."),
	both("delete_index", "Delete indices and data streams."),
	both("auto_configure", "Let writes create a missing index or data stream and update its mapping."),
	both("maintenance", "Refresh, flush and force-merge."),
	both("monitor", "Read index statistics, recovery and segment information."),
	both("manage", "Every administrative action on the indices (settings, mappings, aliases) except deleting data."),
	both("manage_ilm", "Attach, change and retry index lifecycle policies on the indices."),
	both("manage_data_stream_lifecycle", "Set and change the lifecycle of the data streams."),
	both("read_failure_store", "Read the documents that failed ingestion into the data streams (their failure store)."),
	both("manage_failure_store", "Administer the failure store of the data streams (settings, rollover)."),
	stackOnly("manage_follow_index", "Create and manage cross-cluster replication follower indices."),
	stackOnly("manage_leader_index", "Remove retention leases of followers on leader indices (cross-cluster replication)."),
	stackOnly("cross_cluster_replication", "Replicate these indices to a remote cluster with API-key based remote clusters."),
	stackOnly("cross_cluster_replication_internal", "Supporting actions for cross-cluster replication from API-key based remote clusters."),
}

// kibanaPrivileges are the Kibana privilege forms roles use.
var kibanaPrivileges = []Privilege{
	both("all", "As a base privilege: every Kibana feature in the chosen spaces, including managing saved objects."),
	both("read", "As a base privilege: read-only use of every Kibana feature in the chosen spaces."),
	both("feature_<id>.all", "Full use of one feature (e.g. feature_dashboard.all); in the Kibana role API: feature {\"dashboard\": [\"all\"]}."),
	both("feature_<id>.read", "Read-only use of one feature (e.g. feature_discover.read)."),
	both("feature_<id>.minimal_all", "Full use of a feature without its optional sub-features."),
	both("feature_<id>.minimal_read", "Read-only use of a feature without its optional sub-features."),
	both("space:<id>", "The resource form of a space in application privileges; space:* or [\"*\"] means every space."),
}

// Privileges is the privilege catalog of a flavour ("stack" or
// "serverless").
func Privileges(flavor string) PrivilegeCatalog {
	serverless := flavor == "serverless"
	keep := func(in []Privilege) []Privilege {
		out := make([]Privilege, 0, len(in))
		for _, p := range in {
			if !(serverless && p.stackOnly) {
				out = append(out, p)
			}
		}
		return out
	}
	c := PrivilegeCatalog{
		Flavor:  flavor,
		Cluster: keep(clusterPrivileges),
		Index:   keep(indexPrivileges),
		RunAs: "run_as lists users the role may impersonate (requests sent with es-security-runas-user); it is a way around " +
			"every other restriction, so grant it only to trusted proxies.",
		Application: Application{
			Meaning: "Application privileges are defined by applications such as Kibana and stored in roles; Elasticsearch only " +
				"records and checks them. Kibana feature and space access is granted this way.",
			KibanaApplication: "kibana-.kibana",
			Kibana:            kibanaPrivileges,
		},
		Advice: []string{
			"Read-only access to data: index read and view_index_metadata, no cluster privileges.",
			"Ingest only: index create_doc (plus auto_configure to create data streams), cluster monitor if the client checks health.",
			"Prefer manage_own_api_key to manage_api_key, and read_security to manage_security.",
			"Never use internal action names such as indices:data/read/search.",
		},
	}
	if serverless {
		c.RunAs = "run_as is not available on Serverless."
	}
	return c
}
