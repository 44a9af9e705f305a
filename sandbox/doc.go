// Package sandbox holds stateful HTTP emulators of the Elastic Cloud API, the
// Elasticsearch security API and the Kibana role API. They are a product
// feature (--sandbox, the sandbox subcommand) and the backbone of every test:
// the project's real clients talk real HTTP to them.
//
// Options.Seed picks the start state: "demo" (an organization with members,
// invitations, projects, users, roles, mappings and keys) or "none" (only the
// organization's owner with a Cloud API key, and Elasticsearch's file-realm
// operator). Reset, or POST /_sandbox/reset from loopback on any emulator's
// address, returns every emulator to that start state with the same ids and
// credentials. The API contracts the emulators' tests check against are in
// sandbox/contracts.
package sandbox
