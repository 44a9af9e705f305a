package tools

// orgTools returns the Elastic Cloud organization tools: members,
// invitations, role assignments, custom project roles and projects.
func orgTools() []Tool {
	return []Tool{
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
