// Package contracts holds Elastic's published API descriptions that the
// emulators' tests validate requests and responses against, so the tests
// run from a plain clone of the repository. README.md names each file's
// upstream source, commit and the changes made to it.
package contracts

import _ "embed"

// ElasticsearchSecurity is elasticsearch-security.openapi.json (OpenAPI
// 3.0.3): the Elasticsearch security APIs the stack emulator serves.
//
//go:embed elasticsearch-security.openapi.json
var ElasticsearchSecurity []byte

// CloudAPI is cloud-api.swagger.json (Swagger 2.0): the Elastic Cloud
// organization, member, invitation, role assignment and API key endpoints.
//
//go:embed cloud-api.swagger.json
var CloudAPI []byte
