// Package cloudemu is a stateful, in-memory emulator of the Elastic Cloud API
// as far as access management needs it: organizations, members, invitations,
// role assignments, Cloud API keys and the Serverless project endpoints. It
// follows shared/reference/cloud-api.md and the Swagger contract in
// shared/contracts: same paths under /api/v1, bodies, status codes, headers
// (X-Elastic-Api-Key-Expiration, x-ratelimit-*, x-cloud-error-codes) and
// error envelopes. Faults from sandbox/fault are applied before anything else.
//
// It is a product feature (the sandbox subcommand and --sandbox) and the
// backbone of the tests: clients talk real HTTP to it.
package cloudemu
