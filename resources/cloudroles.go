package resources

import "github.com/elastic-access-mcp/elastic-access-mcp/source"

// CloudRole is one Elastic Cloud role id with a one-line meaning.
type CloudRole struct {
	ID      string `json:"id"`
	Short   string `json:"short,omitempty"` // the short form skills write (viewer, t1_analyst)
	Meaning string `json:"meaning"`
}

// CloudRoleCatalog is the role ids of one scope or project type.
type CloudRoleCatalog struct {
	Scope       string      `json:"scope"`
	ProjectType string      `json:"project_type,omitempty"`
	Roles       []CloudRole `json:"roles"`
	Notes       []string    `json:"notes"`
}

var organizationRoles = []CloudRole{
	{ID: "organization-admin", Meaning: "Organization owner: members, billing, every deployment and project. Give sparingly."},
	{ID: "billing-admin", Meaning: "Billing and usage only; no access to deployments or projects."},
}

var deploymentRoles = []CloudRole{
	{ID: "deployment-admin", Short: "admin", Meaning: "Manage hosted deployments and sign in to them as superuser."},
	{ID: "deployment-editor", Short: "editor", Meaning: "Change hosted deployments (configuration, scaling) without deleting them."},
	{ID: "deployment-viewer", Short: "viewer", Meaning: "See hosted deployments in the console; read-only."},
}

func projectRole(t, short, meaning string) CloudRole {
	return CloudRole{ID: t + "-" + dashes(short), Short: short, Meaning: meaning}
}

func dashes(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}

var projectRoles = map[string][]CloudRole{
	"elasticsearch": {
		projectRole("elasticsearch", "admin", "Manage the project and its data; superuser when signing in."),
		projectRole("elasticsearch", "developer", "Build search: indices, API keys, connectors, visualizations; no project management."),
		projectRole("elasticsearch", "viewer", "Read-only. With application_roles: console visibility only, the custom roles give the access."),
	},
	"observability": {
		projectRole("observability", "admin", "Manage the project and its data; superuser when signing in."),
		projectRole("observability", "editor", "Configure Observability features; data indices stay read-only."),
		projectRole("observability", "viewer", "Read-only. With application_roles: console visibility only, the custom roles give the access."),
	},
	"security": {
		projectRole("security", "admin", "Manage the project and its data; superuser when signing in."),
		projectRole("security", "editor", "Configure Security features; data indices stay read-only."),
		projectRole("security", "viewer", "Read-only. With application_roles: console visibility only, the custom roles give the access."),
		projectRole("security", "t1_analyst", "Tier 1 SOC analyst: triage alerts, read most data."),
		projectRole("security", "t2_analyst", "Tier 2 SOC analyst: investigate and manage cases and alerts."),
		projectRole("security", "t3_analyst", "Tier 3 SOC analyst: deep investigations, response actions, rule tuning."),
		projectRole("security", "threat_intel_analyst", "Work with threat intelligence indicators and investigations."),
		projectRole("security", "rule_author", "Write and tune detection rules and exceptions."),
		projectRole("security", "soc_manager", "Run the SOC: alerts, cases, rules and response actions."),
		projectRole("security", "endpoint_operations_analyst", "Operate endpoints: response actions and endpoint data."),
		projectRole("security", "platform_engineer", "Maintain integrations, Fleet and the Security platform settings."),
		projectRole("security", "detections_admin", "Administer detection rules, lists and the detection engine."),
		projectRole("security", "endpoint_policy_manager", "Manage endpoint and Fleet policies and integrations."),
	},
}

var cloudRoleNotes = []string{
	"Send the prefixed id (security-viewer); the short form is what Elastic's skills write.",
	"A custom role is given as <type>-viewer plus application_roles naming it; never together with another predefined role on the same project.",
	"A Cloud API key gets Elasticsearch and Kibana access only through application_roles; without them it works on the Cloud API only.",
	"all: true applies a role to every project of the type, current and future.",
}

// CloudRoles is the catalog of one project type, or of every scope when
// projectType is "".
func CloudRoles(projectType string) []CloudRoleCatalog {
	if projectType != "" {
		roles, ok := projectRoles[projectType]
		if !ok {
			return nil
		}
		return []CloudRoleCatalog{{Scope: "project", ProjectType: projectType, Roles: roles, Notes: cloudRoleNotes}}
	}
	out := []CloudRoleCatalog{
		{Scope: "organization", Roles: organizationRoles,
			Notes: []string{"application_roles on an organization entry grant those stack roles in every project, current and future: confirm with the person first."}},
		{Scope: "deployment", Roles: deploymentRoles, Notes: []string{"Deployment roles apply to Elastic Cloud Hosted deployments, not Serverless projects."}},
	}
	for _, t := range source.ProjectTypes {
		out = append(out, CloudRoles(t)...)
	}
	return out
}
