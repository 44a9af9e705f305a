package tools

import "github.com/elastic-access-mcp/elastic-access-mcp/toolkit"

// orgTools returns the Elastic Cloud organization tools: members,
// invitations, role assignments, custom project roles and projects.
func orgTools() []toolkit.Tool {
	return []toolkit.Tool{
		listOrgMembersTool(),
		listOrgInvitationsTool(),
		listProjectsTool(),
		inviteOrgMembersTool(),
		cancelOrgInvitationsTool(),
		removeOrgMembersTool(),
		assignCloudRolesTool(),
		removeCloudRolesTool(),
		assignProjectCustomRoleTool(),
		removeProjectCustomRoleTool(),
	}
}
