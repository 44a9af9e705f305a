// Package cloudemu is a stateful, in-memory emulator of the Elastic Cloud API
// as far as access management needs it: organizations, members, invitations,
// role assignments, Cloud API keys and the Serverless project endpoints. It
// follows Elastic's Cloud API reference and the Swagger contract in
// shared/contracts: same paths under /api/v1, bodies, status codes, headers
// (X-Elastic-Api-Key-Expiration, x-ratelimit-*, x-cloud-error-codes) and
// error envelopes. Faults from sandbox/fault are applied before anything else.
//
// It is a product feature (the sandbox subcommand and --sandbox) and the
// backbone of the tests: clients talk real HTTP to it.
//
// Where the reference leaves behaviour open, the emulator chooses, and says
// so next to the code. The main choices:
//   - a bad or missing key is 401 root.unauthorized everywhere;
//   - owner-only operations without a documented 403 code answer
//     root.permission_denied (the code seen on the live service); all Cloud
//     API key operations, listing included, are owner-only;
//   - an unknown role_id is 400 role_assignments.invalid_role (a made-up
//     code); the short project forms ("viewer", "t1_analyst") and the
//     extended Security roles are accepted unless Options.StrictRoleIDs;
//   - role assignments merge by role_id among grants with the same
//     application_roles, and removal subtracts ids;
//   - comma-separated deletes are all or nothing;
//   - key listing is organization-wide and paginated with ?next_page=;
//   - the 429 code for the general rate limit is root.rate_limited.
package cloudemu
