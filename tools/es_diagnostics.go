package tools

// esDiagnosticTools returns the check_privileges and access_review. (Placeholder until they are built.)
func esDiagnosticTools() []Tool { return nil }
