package policy

// The privilege definitions of Elasticsearch 9.1, as ClusterPrivilegeResolver
// and IndexPrivilege define them: a named privilege is a set of action-name
// patterns minus exclusions. Only these definitions are compared, never the
// names, so a role written with action patterns is judged like one written
// with names.

type privDef struct {
	include []string
	exclude []string
}

// ownPrefix marks actions on the caller's own API keys, which
// manage_own_api_key grants without granting the same action on other
// users' keys. A privilege that grants an action also grants its own-key form.
const ownPrefix = "own:"

const apiKeyActions = "cluster:admin/xpack/security/api_key/"

var clusterAll = []string{"cluster:*", "indices:admin/template/*", "indices:admin/index_template/*"}

// clusterPrivileges: ClusterPrivilegeResolver (9.1).
var clusterPrivileges = map[string]privDef{
	"none":    {},
	"all":     {include: clusterAll},
	"manage":  {include: clusterAll, exclude: []string{"cluster:admin/xpack/security/*", "cluster:internal/remote_cluster/*"}},
	"monitor": {include: []string{"cluster:monitor/*", "indices:admin/template/get", "indices:admin/index_template/get"}},
	"manage_security": {include: []string{"cluster:admin/xpack/security/*"},
		exclude: []string{"cluster:admin/xpack/security/delegate_pki"}},
	"read_security": {include: []string{
		apiKeyActions + "get", apiKeyActions + "query",
		"cluster:admin/xpack/security/privilege/builtin/get", "cluster:admin/xpack/security/privilege/get",
		"cluster:admin/xpack/security/profile/get", "cluster:admin/xpack/security/profile/suggest",
		"cluster:admin/xpack/security/role/get", "cluster:admin/xpack/security/role/query",
		"cluster:admin/xpack/security/role_mapping/get",
		"cluster:admin/xpack/security/service_account/get", "cluster:admin/xpack/security/service_account/credential/get*",
		"cluster:admin/xpack/security/user/get", "cluster:admin/xpack/security/user/query",
		"cluster:admin/xpack/security/user/list_privileges", "cluster:admin/xpack/security/user/has_privileges",
		"cluster:admin/xpack/security/settings/get",
	}},
	"manage_api_key":     {include: []string{apiKeyActions + "*"}},
	"manage_own_api_key": {include: []string{ownPrefix + apiKeyActions + "*"}, exclude: []string{ownPrefix + apiKeyActions + "grant*"}},
	"grant_api_key":      {include: []string{apiKeyActions + "grant*"}},
	"manage_token":       {include: []string{"cluster:admin/xpack/security/token/*", "cluster:admin/xpack/security/refresh_token/*"}},
	"manage_saml": {include: []string{"cluster:admin/xpack/security/saml/*",
		"cluster:admin/xpack/security/token/invalidate", "cluster:admin/xpack/security/token/refresh"}},
	"manage_oidc":             {include: []string{"cluster:admin/xpack/security/oidc/*"}},
	"manage_service_account":  {include: []string{"cluster:admin/xpack/security/service_account/*"}},
	"manage_user_profile":     {include: []string{"cluster:admin/xpack/security/profile/*"}},
	"delegate_pki":            {include: []string{"cluster:admin/xpack/security/delegate_pki"}},
	"manage_index_templates":  {include: []string{"indices:admin/template/*", "indices:admin/index_template/*", "cluster:admin/component_template/*"}},
	"manage_ingest_pipelines": {include: []string{"cluster:admin/ingest/pipeline/*"}},
	"manage_pipeline":         {include: []string{"cluster:admin/ingest/pipeline/*"}},
	"read_pipeline":           {include: []string{"cluster:admin/ingest/pipeline/get", "cluster:admin/ingest/pipeline/simulate"}},
	"manage_ilm":              {include: []string{"cluster:admin/ilm/*"}},
	"read_ilm":                {include: []string{"cluster:admin/ilm/get", "cluster:admin/ilm/operation_mode/get"}},
	"manage_slm": {include: []string{"cluster:admin/slm/*", "cluster:admin/ilm/start", "cluster:admin/ilm/stop",
		"cluster:admin/ilm/operation_mode/get"}},
	"read_slm":                             {include: []string{"cluster:admin/slm/get", "cluster:admin/slm/status", "cluster:admin/ilm/operation_mode/get"}},
	"manage_ml":                            {include: []string{"cluster:admin/xpack/ml/*", "cluster:monitor/xpack/ml/*"}},
	"monitor_ml":                           {include: []string{"cluster:monitor/xpack/ml/*"}},
	"manage_transform":                     {include: []string{"cluster:admin/transform/*", "cluster:admin/data_frame/*", "cluster:monitor/transform/*", "cluster:monitor/data_frame/*"}},
	"manage_data_frame_transforms":         {include: []string{"cluster:admin/transform/*", "cluster:admin/data_frame/*", "cluster:monitor/transform/*", "cluster:monitor/data_frame/*"}},
	"monitor_transform":                    {include: []string{"cluster:monitor/transform/*", "cluster:monitor/data_frame/*"}},
	"monitor_data_frame_transforms":        {include: []string{"cluster:monitor/transform/*", "cluster:monitor/data_frame/*"}},
	"manage_watcher":                       {include: []string{"cluster:admin/xpack/watcher/*", "cluster:monitor/xpack/watcher/*"}},
	"monitor_watcher":                      {include: []string{"cluster:monitor/xpack/watcher/*"}},
	"manage_enrich":                        {include: []string{"cluster:admin/xpack/enrich/*", "cluster:monitor/xpack/enrich/*"}},
	"monitor_enrich":                       {include: []string{"cluster:monitor/xpack/enrich/*"}},
	"monitor_esql":                         {include: []string{"cluster:monitor/xpack/esql/*"}},
	"cancel_task":                          {include: []string{"cluster:admin/tasks/cancel*"}},
	"manage_ccr":                           {include: []string{"cluster:admin/xpack/ccr/*", "cluster:monitor/state", "cluster:monitor/xpack/ccr/*"}},
	"read_ccr":                             {include: []string{"cluster:monitor/state", "cluster:monitor/xpack/ccr/*"}},
	"create_snapshot":                      {include: []string{"cluster:admin/snapshot/create", "cluster:admin/snapshot/status*", "cluster:admin/snapshot/get", "cluster:admin/repository/get"}},
	"monitor_snapshot":                     {include: []string{"cluster:admin/snapshot/status*", "cluster:admin/snapshot/get", "cluster:admin/repository/get"}},
	"manage_rollup":                        {include: []string{"cluster:admin/xpack/rollup/*", "cluster:monitor/xpack/rollup/*"}},
	"monitor_rollup":                       {include: []string{"cluster:monitor/xpack/rollup/*"}},
	"transport_client":                     {include: []string{"cluster:monitor/nodes/liveness", "cluster:monitor/state"}},
	"manage_autoscaling":                   {include: []string{"cluster:admin/autoscaling/*"}},
	"manage_logstash_pipelines":            {include: []string{"cluster:admin/logstash/pipeline/*"}},
	"manage_inference":                     {include: []string{"cluster:admin/xpack/inference/*", "cluster:monitor/xpack/inference*"}},
	"monitor_inference":                    {include: []string{"cluster:monitor/xpack/inference*"}},
	"manage_search_application":            {include: []string{"cluster:admin/xpack/application/search_application/*"}},
	"manage_behavioral_analytics":          {include: []string{"cluster:admin/xpack/application/analytics/*"}},
	"post_behavioral_analytics_event":      {include: []string{"cluster:admin/xpack/application/analytics/post_event"}},
	"manage_search_query_rules":            {include: []string{"cluster:admin/xpack/query_rules/*"}},
	"manage_search_synonyms":               {include: []string{"cluster:admin/synonyms/*", "cluster:admin/synonyms_sets/*", "cluster:admin/synonym_rules/*"}},
	"manage_connector":                     {include: []string{"cluster:admin/xpack/connector/*"}},
	"monitor_connector":                    {include: []string{"cluster:admin/xpack/connector/get", "cluster:admin/xpack/connector/list", "cluster:admin/xpack/connector/sync_job/get", "cluster:admin/xpack/connector/sync_job/list"}},
	"read_connector_secrets":               {include: []string{"cluster:admin/xpack/connector/secret/get"}},
	"write_connector_secrets":              {include: []string{"cluster:admin/xpack/connector/secret/post", "cluster:admin/xpack/connector/secret/put", "cluster:admin/xpack/connector/secret/delete"}},
	"read_fleet_secrets":                   {include: []string{"cluster:admin/fleet/secrets/get"}},
	"write_fleet_secrets":                  {include: []string{"cluster:admin/fleet/secrets/post", "cluster:admin/fleet/secrets/delete"}},
	"cross_cluster_search":                 {include: []string{"cluster:internal/remote_cluster/handshake", "cluster:internal/remote_cluster/nodes", "cluster:monitor/xpack/enrich/esql/resolve_policy"}},
	"cross_cluster_replication":            {include: []string{"cluster:internal/remote_cluster/handshake", "cluster:internal/remote_cluster/nodes", "cluster:monitor/state"}},
	"manage_data_stream_global_retention":  {},
	"monitor_data_stream_global_retention": {},
	"monitor_stats":                        {include: []string{"cluster:monitor/stats*", "cluster:monitor/xpack/usage*"}},
	"monitor_text_structure":               {include: []string{"cluster:monitor/text_structure/*"}},
}

// indexPrivileges: IndexPrivilege (9.1).
var indexPrivileges = map[string]privDef{
	"none": {},
	"all":  {include: []string{"indices:*", "internal:transport/proxy/indices:*"}},
	"read": {include: []string{"indices:data/read/*", "indices:admin/resolve/index", "indices:admin/resolve/cluster"}},
	"read_cross_cluster": {include: []string{"internal:transport/proxy/indices:data/read/*",
		"indices:admin/shards/search_shards", "indices:admin/search/search_shards", "indices:data/read/esql/cluster"}},
	"create": {include: []string{"indices:data/write/index*", "indices:data/write/bulk*", "indices:admin/mapping/auto_put"},
		exclude: []string{"indices:data/write/index:op_type/index"}},
	"create_doc": {include: []string{"indices:data/write/index", "indices:data/write/index:op_type/create",
		"indices:data/write/bulk*", "indices:admin/mapping/auto_put"}},
	"index": {include: []string{"indices:data/write/index*", "indices:data/write/bulk*", "indices:data/write/update*",
		"indices:admin/mapping/auto_put"}},
	"delete":       {include: []string{"indices:data/write/delete*", "indices:data/write/bulk*"}},
	"write":        {include: []string{"indices:data/write/*", "indices:admin/mapping/auto_put"}},
	"monitor":      {include: []string{"indices:monitor/*"}},
	"manage":       {include: []string{"indices:monitor/*", "indices:admin/*", "indices:data/read/field_caps*"}},
	"create_index": {include: []string{"indices:admin/create", "indices:admin/auto_create", "indices:admin/data_stream/create"}},
	"delete_index": {include: []string{"indices:admin/delete", "indices:admin/data_stream/delete"}},
	"view_index_metadata": {include: []string{"indices:admin/aliases/get", "indices:admin/get",
		"indices:admin/mappings/fields/get*", "indices:admin/mappings/get", "indices:admin/shards/search_shards",
		"indices:admin/validate/query*", "indices:monitor/settings/get", "indices:admin/ilm/explain",
		"indices:admin/data_stream/get", "indices:admin/resolve/index", "indices:data/read/field_caps*"}},
	"maintenance": {include: []string{"indices:admin/refresh*", "indices:admin/flush*", "indices:admin/synced_flush",
		"indices:admin/forcemerge*"}},
	"auto_configure":               {include: []string{"indices:admin/mapping/auto_put", "indices:admin/auto_create"}},
	"manage_ilm":                   {include: []string{"indices:admin/ilm/*"}},
	"manage_follow_index":          {include: []string{"indices:admin/xpack/ccr/put_follow", "indices:admin/xpack/ccr/unfollow", "indices:admin/close*", "indices:admin/data_stream/promote"}},
	"manage_leader_index":          {include: []string{"indices:admin/xpack/ccr/forget_follower*"}},
	"manage_data_stream_lifecycle": {include: []string{"indices:admin/data_stream/lifecycle/*"}},
	// The failure-store privileges act on the ::failures component only;
	// they are modelled with their own actions, as the sandbox does.
	"read_failure_store":                 {include: []string{"indices:failure_store/read/*"}},
	"manage_failure_store":               {include: []string{"indices:failure_store/admin/*"}},
	"cross_cluster_replication":          {include: []string{"indices:data/read/xpack/ccr/shard_changes*", "indices:monitor/stats"}},
	"cross_cluster_replication_internal": {include: []string{"indices:internal/admin/ccr/restore/*", "internal:transport/proxy/indices:internal/admin/ccr/restore/*"}},
}
