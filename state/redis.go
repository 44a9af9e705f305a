package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Redis is a store shared by replicas in Redis or Valkey.
type Redis struct {
	client *redis.Client
	seal   *sealer
}

// epochKey holds the store's time (Unix milliseconds) from which it remembers used nonces. It has no expiry; when
// it is missing, the data was lost (flush, restart without persistence), and approvals issued before cannot be
// checked for reuse. Both scripts read the store's own clock (TIME), so replicas with skewed clocks agree.
var epochKey = "elastic-access-mcp:epoch"

// storeNowMs is the Lua prelude that reads the store's clock in milliseconds, as a string (TIME replies strings).
const storeNowMs = `
local t = redis.call('TIME')
local now = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
`

// issueScript starts the store's memory if it has none and returns the store's time. KEYS: epoch.
var issueScript = redis.NewScript(storeNowMs + `
redis.call('SET', KEYS[1], now, 'NX')
return tonumber(now)
`)

// redeemScript checks the epoch and records the nonce in one atomic step.
// KEYS: epoch, nonce. ARGV: issued ms, ttl ms. Returns 1 redeemed, 0 already used, -1 issued before a reset.
var redeemScript = redis.NewScript(storeNowMs + `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  redis.call('SET', KEYS[1], now)
  epoch = now
end
if tonumber(ARGV[1]) < tonumber(epoch) then
  return -1
end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
`)

// incrScript counts in a fixed window: the first hit of a window sets its expiry. Returns {count, ms left}.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {n, left}
`)

// NewRedis connects lazily to the Redis or Valkey at url (redis://HOST:PORT/DB or rediss://...).
func NewRedis(url string, keys *Keyring) (*Redis, error) {
	if keys == nil {
		return nil, errors.New("a shared state store needs a state key: " + keyHint)
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		// The parse error may quote the URL, password included; say what is wrong without it.
		return nil, fmt.Errorf("the state store URL %s is not valid: use redis://HOST:PORT/DB", Redact(url))
	}
	// A lost reply must not be retried: the first attempt may have redeemed the nonce or taken the link, and a retry
	// would then report "already used" or "unknown". Failing once is the honest answer.
	opts.MaxRetries = -1
	opts.DialerRetries = 1
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 2 * time.Second
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = 2 * time.Second
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 2 * time.Second
	}
	opts.ContextTimeoutEnabled = true
	// Plain RESP2 and no maintenance push notifications: the store only needs request and reply, and Valkey and
	// older Redis versions then behave the same.
	opts.Protocol = 2
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	opts.DisableIdentity = true
	silenceClientLog.Do(func() { redis.SetLogger(discardLog{}) })
	return &Redis{client: redis.NewClient(opts), seal: newSealer(keys)}, nil
}

func (r *Redis) Kind() string { return "redis" }

func (r *Redis) Close() error { return r.client.Close() }

// Health checks that the store answers and that it keeps what it is given until it expires: a store that evicts
// records under memory pressure could forget a used nonce while its approval is still valid.
func (r *Redis) Health(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return unavailable("health", err)
	}
	info, err := r.client.Info(ctx, "memory").Result()
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) {
			return nil // INFO is disabled (some managed services): the policy cannot be checked, only documented
		}
		return unavailable("health", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if policy, ok := strings.CutPrefix(strings.TrimSpace(line), "maxmemory_policy:"); ok && policy != "noeviction" {
			return fmt.Errorf("%w: its maxmemory-policy is %s; set it to noeviction", ErrEvicting, policy)
		}
	}
	return nil
}

func (r *Redis) IssueTime(ctx context.Context) (time.Time, error) {
	ms, err := issueScript.Run(ctx, r.client, []string{epochKey}).Int64()
	if err != nil {
		return time.Time{}, unavailable("issue", err)
	}
	return time.UnixMilli(ms), nil
}

func (r *Redis) RedeemOnce(ctx context.Context, nonce string, issued time.Time, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	res, err := redeemScript.Run(ctx, r.client, []string{epochKey, storeKey("nonce", nonce)},
		issued.UnixMilli(), ttl.Milliseconds()).Int64()
	if err != nil {
		return unavailable("redeem", err)
	}
	switch res {
	case 1:
		return nil
	case 0:
		return ErrAlreadyUsed
	default:
		return ErrIssuedBeforeReset
	}
}

func (r *Redis) PutLink(ctx context.Context, id string, secret []byte, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	sealed := r.seal.seal(secret, linkBinding(id))
	ok, err := r.client.SetNX(ctx, storeKey("link", id), sealed, ttl).Result()
	if err != nil {
		return unavailable("put_link", err)
	}
	if !ok {
		return errors.New("a secret link with this id is already pending")
	}
	return nil
}

func (r *Redis) TakeLink(ctx context.Context, id string) ([]byte, bool, error) {
	sealed, err := r.client.GetDel(ctx, storeKey("link", id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, unavailable("take_link", err)
	}
	plain, err := r.seal.open(sealed, linkBinding(id))
	if err != nil {
		return nil, false, err
	}
	return plain, true, nil
}

func (r *Redis) HasLink(ctx context.Context, id string) (bool, error) {
	n, err := r.client.Exists(ctx, storeKey("link", id)).Result()
	if err != nil {
		return false, unavailable("has_link", err)
	}
	return n == 1, nil
}

func (r *Redis) Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	if err := checkTTL(window); err != nil {
		return 0, 0, err
	}
	res, err := incrScript.Run(ctx, r.client, []string{storeKey("rate", key)}, window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, unavailable("incr", err)
	}
	if len(res) != 2 {
		return 0, 0, unavailable("incr", fmt.Errorf("unexpected reply of %d values", len(res)))
	}
	return res[0], time.Duration(res[1]) * time.Millisecond, nil
}

// The client library logs connection failures to stderr on its own. Every failure reaches the server as an
// UnavailableError instead, which the server logs through its redacting logger and counts, so the library's copy
// would only be an unredacted duplicate.
var silenceClientLog sync.Once

type discardLog struct{}

func (discardLog) Printf(context.Context, string, ...any) {}

func unavailable(op string, err error) error {
	return &UnavailableError{Op: op, Err: err}
}
