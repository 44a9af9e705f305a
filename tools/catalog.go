// Package tools holds every MCP tool of the server, one declaration and one
// named handler per job, and the domain helpers they share (Cloud role
// assignments, Elasticsearch role descriptors, paging). How a tool is
// declared, validated, confirmed and dry-run lives in package toolkit.
package tools

import "github.com/elastic-access-mcp/elastic-access-mcp/toolkit"

// All returns every tool of the catalog, in documentation order. A new tool
// is one line here.
func All() []toolkit.Tool {
	return []toolkit.Tool{
		// org: the Elastic Cloud organization.
		listOrgMembersTool(),
		listOrgInvitationsTool(),
		listProjectsTool(),
		listDeploymentsTool(),
		inviteOrgMembersTool(),
		cancelOrgInvitationsTool(),
		removeOrgMembersTool(),
		assignCloudRolesTool(),
		removeCloudRolesTool(),
		assignProjectCustomRoleTool(),
		removeProjectCustomRoleTool(),
		// cloud_keys
		listCloudAPIKeysTool(),
		createCloudAPIKeyTool(),
		deleteCloudAPIKeysTool(),
		// roles
		getRolesTool(),
		putRoleTool(),
		deleteRolesTool(),
		listKibanaSpacesTool(),
		// users
		getUsersTool(),
		createUserTool(),
		updateUserTool(),
		setUserEnabledTool(),
		resetUserPasswordTool(),
		deleteUsersTool(),
		// role_mappings
		getRoleMappingsTool(),
		putRoleMappingTool(),
		deleteRoleMappingsTool(),
		// es_keys
		listESAPIKeysTool(),
		createESAPIKeyTool(),
		invalidateESAPIKeysTool(),
		updateESAPIKeyTool(),
		// diagnostics
		whoamiTool(),
		checkPrivilegesTool(),
		explainAccessTool(),
		accessReviewTool(),
		offboardPersonTool(),
	}
}
