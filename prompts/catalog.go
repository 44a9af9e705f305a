package prompts

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/resources"
	"github.com/elastic-access-mcp/elastic-access-mcp/source"
)

// expiration is the duration form create_cloud_api_key accepts.
var expiration = regexp.MustCompile(`^[1-9][0-9]*[mhd]$`)

// predefinedProjectRoles are the role names every project of some type
// defines; any other role name is a custom role.
var predefinedProjectRoles = []string{"admin", "developer", "editor", "viewer",
	"t1_analyst", "t2_analyst", "t3_analyst", "threat_intel_analyst", "rule_author", "soc_manager",
	"endpoint_operations_analyst", "platform_engineer", "detections_admin", "endpoint_policy_manager"}

// isPredefined reports whether role names a predefined project role, in its
// short (viewer) or prefixed (elasticsearch-viewer) form.
func isPredefined(role string) bool {
	role = strings.ReplaceAll(strings.ToLower(role), "-", "_")
	for _, t := range source.ProjectTypes {
		role = strings.TrimPrefix(role, t+"_")
	}
	return slices.Contains(predefinedProjectRoles, role)
}

// predefinedByType are the short predefined role names of each project type.
func predefinedByType() map[string][]string {
	out := map[string][]string{}
	for _, t := range source.ProjectTypes {
		for _, r := range resources.CloudRoles(t)[0].Roles {
			out[t] = append(out[t], r.Short)
		}
	}
	return out
}

func predefined(args map[string]string) bool { return isPredefined(args["role"]) }
func custom(args map[string]string) bool     { return !isPredefined(args["role"]) }
func given(name string) func(map[string]string) bool {
	return func(a map[string]string) bool { return a[name] != "" }
}
func notGiven(name string) func(map[string]string) bool {
	return func(a map[string]string) bool { return a[name] == "" }
}
func is(name, value string) func(map[string]string) bool {
	return func(a map[string]string) bool { return a[name] == value }
}

// The argument vocabulary shared by several prompts.
var (
	argEmail = Arg{Name: "email", Description: "Email of the person (an organization member, or someone to invite).",
		Required: true, Kind: source.KindMember}
	argProject = Arg{Name: "project", Description: "The Serverless project, by name, alias or id.",
		Required: true, Kind: source.KindProject}
)

// Names of the prompts, for callers that refer to one.
const (
	GrantProjectAccess  = "grant_project_access"
	CustomProjectRole   = "create_custom_project_role"
	CICDCloudKey        = "cicd_cloud_api_key"
	CreateESUser        = "create_es_user"
	RestrictedRole      = "create_restricted_role"
	MapExternalGroup    = "map_external_group"
	Troubleshoot403     = "troubleshoot_403"
	ReviewAccess        = "review_access"
	OffboardPersonJob   = "offboard_person"
	disclosureOfSecrets = "Secrets (keys, passwords) never appear in results: tell the person where the result says to find them, and never ask them to paste one into the chat."
)

// All is every prompt, in the order a person meets the jobs.
func All() []Prompt {
	return []Prompt{
		{
			Name:  GrantProjectAccess,
			Title: "Give someone access to a Serverless project",
			Description: "Give a person access to one Serverless project with a predefined role (viewer, admin, …) or a custom " +
				"role defined in the project, inviting them first if they are not a member.",
			Args: []Arg{argEmail, argProject,
				{Name: "role", Required: true, Kind: source.KindRole, Suggestions: predefinedProjectRoles, ByProjectType: predefinedByType(),
					Description: "Predefined project role (viewer, developer, editor, admin, Security analyst roles) or the name of a custom role defined in the project."},
			},
			Goal: "Give {email} the role {role} on the Serverless project {project}.",
			Steps: []Step{
				{Tool: "whoami", Text: "confirm Elastic Cloud is connected and writes are allowed."},
				{Tool: "list_projects", Text: "find {project} and note its id and type (elasticsearch, observability or security)."},
				{When: predefined, Text: "read elastic://cloud/roles/<type> to check that {role} exists for this project type (developer only on elasticsearch, editor only on observability and security)."},
				{Tool: "list_org_members", Text: "check whether {email} is a member and which roles they hold on that project."},
				{Tool: "get_roles", When: custom, Text: "with project set to {project}, check that the custom role {role} exists in the project; if not, run the create_custom_project_role prompt first."},
				{Tool: "invite_org_members", When: predefined, Text: "only if {email} is not a member: invite them with the project role {role} on {project}; the role applies when they accept. Stop here."},
				{Tool: "invite_org_members", When: custom, Text: "only if {email} is not a member: invite them with no project roles, and finish the steps below after they accept."},
				{Tool: "assign_cloud_roles", When: predefined, Text: "scope project, the project id, role {role}; call it with dry_run: true first and show the person the request."},
				{Tool: "assign_project_custom_role", When: custom, Text: "member {email}, project {project}, custom_role {role}. If they hold a predefined role on this project, set replace_predefined: true only after the person agrees; call with dry_run: true first."},
				{Tool: "list_org_members", Text: "verify the member now holds the intended role on {project} and nothing more."},
			},
			Rules: []string{
				"A custom role is given as <type>-viewer plus application_roles naming it; never also give a predefined role on the same project, which would widen access.",
				"Give the least role that does the job: viewer before editor or developer, admin only when asked.",
			},
		},
		{
			Name:  CustomProjectRole,
			Title: "Create a custom project role and assign it safely",
			Description: "Define a custom Elasticsearch/Kibana role inside one Serverless project with least privilege, then give it " +
				"to a member without stacking it on a predefined role.",
			Args: []Arg{argProject,
				{Name: "role_name", Required: true, Kind: source.KindRole, Description: "Name of the custom role, e.g. logs-reader (letters, digits, - and _)."},
				{Name: "access", Required: true, Description: "What holders must be able to do, in plain words, e.g. read logs-* and use Discover."},
				{Name: "email", Kind: source.KindMember, Description: "Member to give the role to once it exists (optional)."},
			},
			Goal: "Create the custom role {role_name} in the Serverless project {project} granting: {access}.",
			Steps: []Step{
				{Tool: "whoami", Text: "confirm Elastic Cloud and the project's Elasticsearch are reachable."},
				{Tool: "list_projects", Text: "find {project}, its id and type."},
				{Tool: "get_roles", Text: "with project set to {project}: reuse an existing role that already grants exactly this access instead of creating one."},
				{Text: "read elastic://privileges/serverless and choose the fewest privileges that give: {access}. Read-only is read plus view_index_metadata with no cluster privileges."},
				{Tool: "list_kibana_spaces", Optional: true, Text: "if Kibana features are involved, pick the spaces the role applies to."},
				{Tool: "put_role", Text: "with project set to {project}: create {role_name} with the chosen cluster, index and Kibana privileges; dry_run: true first, then for real once the person agrees."},
				{Tool: "list_org_members", When: given("email"), Text: "check that {email} is a member and whether they hold a predefined role on {project}."},
				{Tool: "assign_project_custom_role", When: given("email"), Text: "member {email}, project {project}, custom_role {role_name}; set replace_predefined: true only if the person agrees to drop the predefined role."},
				{Tool: "list_org_members", When: given("email"), Text: "verify {email} holds <type>-viewer with application_roles [{role_name}] on {project} and no other project role there."},
			},
			Rules: []string{
				"Creating the role grants nothing by itself; the Cloud assignment does.",
				"Never give a predefined role together with the custom role on the same project.",
				"Use index privilege names, never internal action names such as indices:data/read/search.",
			},
		},
		{
			Name:  CICDCloudKey,
			Title: "Create a Cloud API key for CI/CD",
			Description: "Create a short-lived Elastic Cloud API key for a pipeline, scoped to one project, with or without access " +
				"to the project's Elasticsearch and Kibana, reusing an existing key for the same purpose.",
			Args: []Arg{
				{Name: "purpose", Required: true, Description: "What the key is for; becomes its description, e.g. ci-deploy-search."},
				{Name: "project", Kind: source.KindProject, Description: "Serverless project the key acts on (optional; without one, ask which scope is needed)."},
				{Name: "stack_access", Kind: source.KindRole, Suggestions: []string{"admin", "developer", "viewer"}, Description: "Comma-separated Elasticsearch/Kibana roles the key needs in the project (e.g. viewer or a custom role); leave empty for Cloud API only."},
				{Name: "expiration", Description: "How long the key lives, e.g. 1d or 7d (default 7d)."},
			},
			Goal: "Create a Cloud API key for {purpose}.",
			Check: func(a map[string]string) error {
				if e, ok := a["expiration"]; ok && !expiration.MatchString(e) {
					return fmt.Errorf("expiration %q is not a duration such as 12h, 1d or 7d", e)
				}
				return nil
			},
			Steps: []Step{
				{Tool: "whoami", Text: "confirm Elastic Cloud is connected and writes are allowed."},
				{Tool: "list_cloud_api_keys", Text: "with description {purpose}: reuse an unexpired key for the same purpose instead of creating another."},
				{Tool: "list_projects", When: given("project"), Text: "find {project}, its id and type."},
				{Tool: "create_cloud_api_key", When: given("stack_access"), Text: "description {purpose}, expiration {expiration} (7d if not given), a project-scoped role on {project} and stack_access [{stack_access}] so the key can call Elasticsearch and Kibana; dry_run: true first."},
				{Tool: "create_cloud_api_key", When: notGiven("stack_access"), Text: "description {purpose}, expiration {expiration} (7d if not given), a project-scoped role on {project}; without stack_access the key works on the Cloud API only and gets 403 from Elasticsearch and Kibana — say so. dry_run: true first."},
				{Text: "tell the person where the result says the key was delivered; store it in the CI secret store."},
				{Tool: "delete_cloud_api_keys", Text: "remind the person to revoke the key when the pipeline no longer needs it (Cloud keys cannot be changed: revoke and recreate)."},
			},
			Rules: []string{
				"Prefer project scope; organization-wide application_roles reach every current and future project and need the person's explicit agreement.",
				"Always expire: 1d-7d for CI and one-off work.",
				disclosureOfSecrets,
			},
		},
		{
			Name:  CreateESUser,
			Title: "Create an Elasticsearch user with least privilege",
			Description: "Create a native Elasticsearch user (self-managed or Elastic Cloud Hosted) holding the fewest roles that give " +
				"the access asked for, reusing roles where they fit.",
			Args: []Arg{
				{Name: "username", Required: true, Kind: source.KindUser, Description: "The new user's name."},
				{Name: "access", Required: true, Description: "What the user must be able to do, in plain words, e.g. read logs-* in Discover."},
				{Name: "full_name", Description: "The user's full name (optional)."},
				{Name: "email", Description: "The user's email (optional)."},
			},
			Goal: "Create the native user {username} with least-privilege access to: {access}.",
			Steps: []Step{
				{Tool: "whoami", Text: "confirm Elasticsearch is connected and is not Serverless (Serverless has no native users: use grant_project_access instead)."},
				{Tool: "get_users", Text: "check that {username} does not exist yet; if it does, change its roles with update_user instead."},
				{Tool: "get_roles", Text: "find an existing role granting exactly this access and reuse it."},
				{Text: "if none fits, read elastic://privileges/stack and choose the fewest privileges; read-only is read plus view_index_metadata with no cluster privileges."},
				{Tool: "put_role", Text: "only if no role fits: create one named after the job (e.g. logs-reader); dry_run: true first."},
				{Tool: "create_user", Text: "username {username}, the chosen roles, full_name {full_name}, email {email}; the generated password goes to the person out of band."},
				{Tool: "get_users", Text: "verify {username} is enabled with exactly those roles."},
			},
			Rules: []string{
				"Never give superuser or all/manage privileges for a read or write job.",
				disclosureOfSecrets,
			},
		},
		{
			Name:  RestrictedRole,
			Title: "Create a role restricted by document, field or attribute",
			Description: "Create a role with document-level security (a query filter), field-level security (granted and hidden " +
				"fields) or attribute-based access (a filter templated on the user's metadata).",
			Args: []Arg{
				{Name: "role_name", Required: true, Kind: source.KindRole, Description: "Name of the role to create, e.g. sales-emea-reader."},
				{Name: "indices", Required: true, Description: "Index names or patterns, comma-separated, e.g. sales-*."},
				{Name: "restriction", Required: true, Choices: []string{"document", "field", "attribute"},
					Description: "document: only documents matching a filter; field: only some fields; attribute: documents matching a value from each user's metadata."},
				{Name: "rule", Required: true, Description: "The restriction in plain words, e.g. region is emea; hide ssn and salary; department equals the user's department."},
				{Name: "project", Kind: source.KindProject, Description: "Serverless project holding the role (optional; default the configured Elasticsearch)."},
			},
			Goal: "Create the role {role_name} on {indices} with {restriction}-level restriction: {rule}.",
			Steps: []Step{
				{Tool: "get_roles", Text: "with project {project} if given (else the configured Elasticsearch; pass the same project to every step below): check {role_name} does not exist and look for a role that already does this."},
				{Tool: "put_role", When: is("restriction", "document"), Text: "indices [{indices}] with privileges read and view_index_metadata and query set to a filter expressing: {rule} (e.g. {\"term\":{\"region\":\"emea\"}}); dry_run: true first."},
				{Tool: "put_role", When: is("restriction", "field"), Text: "indices [{indices}] with privileges read and view_index_metadata and field_security (grant the needed fields, or except the hidden ones) expressing: {rule}; dry_run: true first."},
				{Tool: "put_role", When: is("restriction", "attribute"), Text: "indices [{indices}] with privileges read and view_index_metadata and a query using {{_user.metadata.<attribute>}} expressing: {rule}; dry_run: true first."},
				{Tool: "get_users", When: is("restriction", "attribute"), Text: "check that the users who get this role carry the attribute in their metadata."},
				{Tool: "update_user", When: is("restriction", "attribute"), Text: "set the missing metadata attribute on each user (keys must not start with _); users without it see no documents."},
				{Tool: "get_roles", Text: "read {role_name} back and check the query or field rules are what the person asked for."},
			},
			Rules: []string{
				"Grant read and view_index_metadata only; a restricted role must not also carry write or manage privileges on the same indices.",
				"A user holding another role on the same indices without the restriction sees everything: check their other roles.",
			},
		},
		{
			Name:        MapExternalGroup,
			Title:       "Map a SAML or LDAP group to roles",
			Description: "Give the members of a SAML or LDAP group Elasticsearch roles with a role mapping, checked before it is applied.",
			Args: []Arg{
				{Name: "realm_type", Required: true, Choices: []string{"saml", "ldap"}, Description: "The kind of identity provider."},
				{Name: "group", Required: true, Description: "The group: a SAML groups attribute value, or an LDAP group DN such as cn=admins,ou=groups,dc=example,dc=com."},
				{Name: "roles", Required: true, Kind: source.KindRole, Description: "Comma-separated roles the group's members get."},
				{Name: "realm_name", Description: "The realm's name in Elasticsearch, e.g. saml1 or ldap1 (optional but recommended)."},
			},
			Goal: "Give members of the {realm_type} group {group} the roles {roles}.",
			Steps: []Step{
				{Tool: "whoami", Text: "confirm Elasticsearch is connected and is not Serverless (Serverless has no role mappings: use Cloud organization roles instead)."},
				{Tool: "get_role_mappings", Text: "look for a mapping that already covers {group}; change it rather than adding a second one."},
				{Tool: "get_roles", Text: "check that each of {roles} exists; create missing ones first with the least privilege."},
				{Tool: "put_role_mapping", Text: "roles [{roles}], rules {\"all\":[{\"field\":{\"realm.name\":\"{realm_name}\"}},{\"field\":{\"groups\":\"{group}\"}}]} (drop the realm rule only if the realm name is unknown), enabled: false first; show the person, then enable it."},
				{Tool: "get_role_mappings", Text: "read the mapping back and confirm it is enabled and matches only {group}."},
			},
			Rules: []string{
				"Match the group and the realm together so a group of the same name in another realm does not get the roles.",
				"Never map a broad rule such as {\"field\":{\"username\":\"*\"}}.",
			},
		},
		{
			Name:        Troubleshoot403,
			Title:       "Troubleshoot a 403 (security exception)",
			Description: "Find why a user, API key or Cloud key is denied an action and propose the smallest fix, without changing anything on your own.",
			Args: []Arg{
				{Name: "principal", Kind: source.KindIdentity, Description: "Who is denied: a username, an API key name or id, or a Cloud member email (optional)."},
				{Name: "error", Required: true, Description: "The error message or the request that failed, e.g. action [indices:data/read/search] is unauthorized for user [bob] on indices [logs-1]."},
				{Name: "project", Kind: source.KindProject, Description: "Serverless project where it happens (optional)."},
			},
			Goal: "Find why {principal} gets 403 for: {error}.",
			Steps: []Step{
				{Tool: "whoami", Text: "see which services are connected; a Cloud API key calling Elasticsearch or Kibana needs application_roles."},
				{Tool: "explain_access", Optional: true, Text: "explain what {principal} may do for the failing action and which role would grant it."},
				{Tool: "get_users", Optional: true, Text: "for a native user: is {principal} enabled, and which roles do they hold?"},
				{Tool: "list_es_api_keys", Optional: true, Text: "for an Elasticsearch API key: is it expired or invalidated, and what do its role descriptors allow?"},
				{Tool: "list_cloud_api_keys", Optional: true, Text: "for a Cloud API key: does its project assignment carry application_roles? Without them Elasticsearch and Kibana answer 403."},
				{Tool: "list_org_members", Optional: true, Text: "for a Cloud member using {project}: which project role or custom role (application_roles) do they hold there?"},
				{Tool: "get_role_mappings", Optional: true, Text: "for SSO users: which mapping gives them roles, and does it match their groups?"},
				{Tool: "get_roles", Optional: true, Text: "read the roles found above and compare with the action in the error; read elastic://privileges/stack or elastic://privileges/serverless to name the missing privilege."},
				{Text: "propose the smallest fix (one privilege on one index pattern, one role, one application role) and let the person decide; apply it with put_role, update_user or assign_project_custom_role only after they agree."},
			},
			Rules: []string{
				"Diagnose before changing anything; never widen access to all or superuser to make an error go away.",
				"An API key keeps the privileges it was created with: changing the owner's roles does not fix a key.",
			},
		},
		{
			Name:        ReviewAccess,
			Title:       "Review who has access",
			Description: "Audit access in the organization and the cluster or project: risky roles, stale members and invitations, keys without expiry; report findings by severity with fixes, changing nothing.",
			Args: []Arg{
				{Name: "scope", Choices: []string{"all", "cloud", "elasticsearch"}, Description: "What to review (default all connected services)."},
				{Name: "project", Kind: source.KindProject, Description: "Serverless project to review the Elasticsearch of (optional)."},
			},
			Goal: "Review access (scope {scope}) and report what is risky, with a fix for each finding.",
			Steps: []Step{
				{Tool: "whoami", Text: "see which services are connected."},
				{Tool: "access_review", Optional: true, When: func(a map[string]string) bool { return a["scope"] != "cloud" }, Text: "audit roles, users, role mappings and API keys of {project} or the configured cluster."},
				{Tool: "list_org_members", Optional: true, When: func(a map[string]string) bool { return a["scope"] != "elasticsearch" }, Text: "find organization owners and members with organization-wide roles or application_roles."},
				{Tool: "list_org_invitations", Optional: true, When: func(a map[string]string) bool { return a["scope"] != "elasticsearch" }, Text: "find expired or long-open invitations."},
				{Tool: "list_cloud_api_keys", Optional: true, When: func(a map[string]string) bool { return a["scope"] != "elasticsearch" }, Text: "find keys near or past expiry, or with organization-wide stack access."},
				{Tool: "list_deployments", Optional: true, When: func(a map[string]string) bool { return a["scope"] != "elasticsearch" }, Text: "match deployment role assignments against the deployments that exist."},
				{Text: "report findings grouped by severity (high, medium, low), each with who, what and the fix; change nothing unless the person asks."},
			},
			Rules: []string{"This is a read-only job: do not call write tools while reviewing."},
		},
		{
			Name: OffboardPersonJob,
			// Offered when the server can remove access on at least one plane;
			// each step is shown only where its tool is offered.
			NeedsAny: []string{"offboard_person", "remove_org_members", "cancel_org_invitations", "set_user_enabled",
				"delete_users", "invalidate_es_api_keys", "delete_cloud_api_keys"},
			Title:       "Offboard a person",
			Description: "Remove a leaving person's access across Elastic Cloud and Elasticsearch in one reviewed plan: membership, invitations, native users and their API keys.",
			Args: []Arg{
				{Name: "identity", Required: true, Kind: source.KindIdentity, Description: "The person's email or username."},
				{Name: "native_user", Choices: []string{"disable", "delete"}, Description: "What to do with their native users (default disable, which keeps the audit trail)."},
			},
			Goal: "Offboard {identity}: remove every access they hold, after one approved plan.",
			Steps: []Step{
				{Tool: "offboard_person", Optional: true, Text: "identity {identity}, native users {native_user}; run with dry_run: true to show the whole plan, then run it once the person approves and report each step's outcome. Then stop: its plan covers everything below."},
				{Unless: "offboard_person", Tool: "list_org_members", Optional: true, Text: "find the member with email {identity} and their roles."},
				{Unless: "offboard_person", Tool: "list_org_invitations", Optional: true, Text: "find open invitations for {identity}."},
				{Unless: "offboard_person", Tool: "get_users", Optional: true, Text: "find native users named {identity} or with that email."},
				{Unless: "offboard_person", Tool: "list_es_api_keys", Optional: true, Text: "find Elasticsearch API keys owned by those users."},
				{Unless: "offboard_person", Tool: "list_cloud_api_keys", Optional: true, Text: "find Cloud API keys created by the member."},
				{Unless: "offboard_person", Text: "show the person one plan with everything found and wait for their approval."},
				{Unless: "offboard_person", Tool: "remove_org_members", Optional: true, Text: "remove the membership."},
				{Unless: "offboard_person", Tool: "cancel_org_invitations", Optional: true, Text: "cancel their open invitations."},
				{Unless: "offboard_person", Tool: "set_user_enabled", Optional: true, When: func(a map[string]string) bool { return a["native_user"] != "delete" }, Text: "disable their native users (enabled: false)."},
				{Unless: "offboard_person", Tool: "delete_users", Optional: true, When: is("native_user", "delete"), Text: "delete their native users."},
				{Unless: "offboard_person", Tool: "invalidate_es_api_keys", Optional: true, Text: "invalidate their Elasticsearch API keys."},
				{Unless: "offboard_person", Tool: "delete_cloud_api_keys", Optional: true, Text: "revoke their Cloud API keys (anything still using them breaks: check with the person)."},
				{Unless: "offboard_person", Text: "report what was done, what failed and what remains."},
			},
			Rules: []string{
				"Prefer disabling native users to deleting them, to keep the audit trail.",
				"Keys owned by shared service accounts are not the person's: list them for the person to decide, do not revoke them.",
			},
		},
	}
}
