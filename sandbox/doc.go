// Package sandbox holds stateful HTTP emulators of the Elastic Cloud API, the
// Elasticsearch security API and the Kibana role API. They are a product
// feature (--sandbox, the sandbox subcommand) and the backbone of every test:
// the project's real clients talk real HTTP to them.
package sandbox
