// Package state holds what replicas of the server must share so that nothing single-use can be used twice
// anywhere: used-once approval nonces, one-time secret links, and per-caller rate counters.
//
// # Choosing a store
//
// The server opens one Store at start-up from --state-store / MCP_STATE_STORE:
//
//	keys, err := state.LoadKeyring(os.Getenv)      // MCP_STATE_KEY, MCP_STATE_KEY_FILE, MCP_STATE_KEY_PREVIOUS
//	store, err := state.Open(spec, keys)           // "memory" (default) or "redis://HOST:PORT/DB"
//	defer store.Close()
//
// Open refuses a shared store without a key: every replica must seal and verify with the same one. With memory,
// keys may be nil (a random per-process key is used). Open does not dial. The server calls store.Health(ctx) at
// start and refuses to start on ErrEvicting (a store whose maxmemory-policy is not noeviction could forget a used
// nonce); /healthz reports Health and Kind. Log the spec only through state.Redact (it may hold a password). The
// shared store needs Redis 6.2 or later (GETDEL) or any Valkey.
//
// # Approvals (the Sealer)
//
// When it asks for an approval, the Sealer takes the issue time from the store and seals it into the approval:
//
//	issued, err := store.IssueTime(ctx)            // the store's clock; starts its memory of used nonces
//
// When the approval comes back, after checking its HMAC, target, arguments and expiry, and before doing anything:
//
//	err := store.RedeemOnce(ctx, nonce, issued, time.Until(expires)+time.Minute)
//
// nil means this call is the only one that will ever redeem it. ErrAlreadyUsed is a replay (here or on another
// replica); ErrIssuedBeforeReset means the store lost its records since the approval was issued (restart without
// persistence, flush), so single use cannot be guaranteed and a new approval is needed. An error matching
// ErrUnavailable means the store did not answer: refuse, and do nothing. Never fall back to approving without the
// record. Each of these errors has a message fit for an isError tool result.
//
// The HMAC key of approvals must be the same on every replica: use keys.Subkeys("approvals") — sign with the first
// entry, accept any entry (the second exists during a key rotation).
//
// # Secret links (the link sink)
//
//	err := store.PutLink(ctx, id, secretJSON, ttl) // sealed with AES-256-GCM under the state key, never in clear
//	secret, ok, err := store.TakeLink(ctx, id)     // GETDEL: exactly one caller anywhere gets ok == true
//	ok, err := store.HasLink(ctx, id)              // HEAD: peek without using it up
//
// The link id is bound into the seal and stored only as a hash, so someone who can read the store learns neither
// the secrets nor the links that would open them. To bind a link to its caller, make the caller part of the id the
// store sees (e.g. principalDigest + "/" + linkID): another caller's TakeLink then finds nothing and cannot use the
// link up. ErrUnreadable from TakeLink means the value was sealed with a key
// this replica lacks; the value is gone all the same.
//
// # Rate counters
//
//	n, resetIn, err := store.Incr(ctx, "calls:"+principal, time.Minute)
//
// A fixed window: refuse when n exceeds the limit and say when to retry (resetIn).
//
// # Rotating the state key
//
// Readers must know a key before any writer uses it. With keys A (old) and B (new): first run every replica with
// MCP_STATE_KEY=A and MCP_STATE_KEY_PREVIOUS=B (writes A, reads both); then MCP_STATE_KEY=B and
// MCP_STATE_KEY_PREVIOUS=A; once the longest-lived record (a secret link's lifetime) has passed, drop A. A key
// file may hold the current key on its first line and the previous one on its second.
//
// # When the store goes away
//
// Every method returns an error matching ErrUnavailable (an *UnavailableError, whose Unwrap is the cause, for the
// operator's log only). Replies are never retried: a reply lost after the store acted would make a retry report
// "already used" or "unknown", so the call fails once and honestly instead. When the store returns, the client
// reconnects on its own within about a second. A store that comes back empty (no persistence) forgets used nonces;
// approvals issued before are then refused with ErrIssuedBeforeReset, which is why approvals carry IssueTime. Run
// Redis or Valkey with persistence (appendonly yes) to keep pending secret links across its restarts.
//
// Package statetest starts a real redis-server or valkey-server for tests.
package state
