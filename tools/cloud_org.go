package tools

// orgTools returns the Elastic Cloud organization tools (members, invitations, role assignments, projects). (Placeholder until they are built.)
func orgTools() []Tool { return nil }
