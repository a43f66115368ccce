package session

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisConfig configures a RedisRegistry: either Addr (and the fields
// after it) or an existing Client. One Redis (or a Sentinel-managed
// primary); Redis Cluster is not supported.
type RedisConfig struct {
	// Addr is host:port of the Redis server.
	Addr     string
	Username string
	// Password comes from a file or the environment, never from YAML.
	Password string
	DB       int
	// TLS, when set, connects over TLS.
	TLS *tls.Config
	// DialTimeout bounds connecting; default Timeout.
	DialTimeout time.Duration
	// Timeout bounds every call a request waits for (the sign-in store,
	// Reserve, List, Lookup, Release, Ping) and each command's socket read
	// and write, so that a stopped or frozen (SIGSTOP) Redis fails a page
	// in about this long instead of hanging it; default 2s. It applies to
	// a Client passed in only as the per-call deadline.
	Timeout time.Duration

	// Client is an existing connection to use instead of Addr; Close does
	// not close it.
	Client redis.UniversalClient

	// Prefix starts every key and channel; default "psgate:session:".
	Prefix string
	// Clock gives the lease times (node clocks must agree within a small
	// fraction of the lease; use NTP); default the system clock.
	Clock Clock
}

// RedisRegistry is the cluster Registry over Redis. Layout under Prefix:
//
//	user:<user>  sorted set of the user's session IDs, score = lease end (ms)
//	all          sorted set of every session ID, score = lease end (ms)
//	sess:<id>    the session's Info (JSON)
//	name:<name>  the session ID holding a name
//	node:<node>  pub/sub channel of a node's admin commands
//	reply:<id>   pub/sub channel of one command's result
//
// Reserve is one Lua script, so the cap holds under any concurrency.
type RedisRegistry struct {
	c       redis.UniversalClient
	own     bool // c was created here: Close closes it
	prefix  string
	clock   Clock
	timeout time.Duration // per call on request paths (RedisConfig.Timeout)
}

// NewRedisRegistry validates cfg and returns the registry; it does not
// connect yet (see Ping).
func NewRedisRegistry(cfg RedisConfig) (*RedisRegistry, error) {
	if (cfg.Client == nil) == (cfg.Addr == "") {
		return nil, errors.New("redis session registry: set exactly one of addr and client")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "psgate:session:"
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRedisTimeout
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = cfg.Timeout
	}
	r := &RedisRegistry{c: cfg.Client, prefix: cfg.Prefix, clock: cfg.Clock, timeout: cfg.Timeout}
	if r.c == nil {
		r.own = true
		// ContextTimeoutEnabled: a call's deadline also bounds its socket
		// reads, and one retry (a pooled connection Redis closed) keeps a
		// frozen server from costing several read timeouts per call.
		r.c = redis.NewClient(&redis.Options{Addr: cfg.Addr, Username: cfg.Username, Password: cfg.Password,
			DB: cfg.DB, TLSConfig: cfg.TLS, DialTimeout: cfg.DialTimeout,
			ReadTimeout: cfg.Timeout, WriteTimeout: cfg.Timeout, MaxRetries: 1, ContextTimeoutEnabled: true})
	}
	return r, nil
}

// DefaultRedisTimeout is RedisConfig.Timeout's default.
const DefaultRedisTimeout = 2 * time.Second

// bound gives a request-path call its deadline (RedisConfig.Timeout).
func (r *RedisRegistry) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// Ping checks that Redis answers (for readiness).
func (r *RedisRegistry) Ping(ctx context.Context) error {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	if err := r.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("pinging session registry redis: %w", err)
	}
	return nil
}

// Close closes the connection if the registry opened it. Call it after the
// Managers using the registry have shut down.
func (r *RedisRegistry) Close() error {
	if !r.own {
		return nil
	}
	if err := r.c.Close(); err != nil {
		return fmt.Errorf("closing session registry redis: %w", err)
	}
	return nil
}

func (r *RedisRegistry) userKey(user string) string { return r.prefix + "user:" + userKey(user) }
func (r *RedisRegistry) sessKey(id string) string   { return r.prefix + "sess:" + id }
func (r *RedisRegistry) nameKey(name string) string {
	return r.prefix + "name:" + strings.ToLower(name)
}
func (r *RedisRegistry) allKey() string { return r.prefix + "all" }

// reserveScript: KEYS user, all, sess, name; ARGV now, expiry, max, id,
// info, ttl. Returns 1 reserved, 0 cap reached, -1 name taken.
var reserveScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
local owner = redis.call('GET', KEYS[4])
if owner then
  local sc = redis.call('ZSCORE', KEYS[2], owner)
  if sc and tonumber(sc) > tonumber(ARGV[1]) then return -1 end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[6])
redis.call('SET', KEYS[4], ARGV[4], 'PX', ARGV[6])
return 1`)

// refreshScript: KEYS user, all, sess, name; ARGV expiry, id, info, ttl.
var refreshScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
redis.call('SET', KEYS[4], ARGV[2], 'PX', ARGV[4])
return 1`)

// releaseScript: KEYS user, all, sess, name; ARGV id.
var releaseScript = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
return 1`)

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// keyTTL keeps keys a while after their lease (the scores decide liveness).
func keyTTL(lease time.Duration) string { return strconv.FormatInt((2 * lease).Milliseconds(), 10) }

// Reserve implements Registry.
func (r *RedisRegistry) Reserve(ctx context.Context, info Info, max int, lease time.Duration) error {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	data, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("reserving session %q: %w", info.Name, err)
	}
	now := r.clock.Now()
	keys := []string{r.userKey(info.User), r.allKey(), r.sessKey(info.ID), r.nameKey(info.Name)}
	n, err := reserveScript.Run(ctx, r.c, keys, ms(now), ms(now.Add(lease)), max, info.ID, data, keyTTL(lease)).Int()
	switch {
	case err != nil:
		return fmt.Errorf("reserving session %q in redis: %w", info.Name, err)
	case n == 0:
		return fmt.Errorf("reserving session for %q (max %d): %w", info.User, max, ErrCapReached)
	case n < 0:
		return fmt.Errorf("reserving session name %q: %w", info.Name, ErrNameTaken)
	}
	return nil
}

// Refresh implements Registry, in one pipeline of EVALSHA calls (the script
// is loaded again if Redis lost it).
func (r *RedisRegistry) Refresh(ctx context.Context, infos []Info, lease time.Duration) error {
	err := r.refresh(ctx, infos, lease)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if err = refreshScript.Load(ctx, r.c).Err(); err == nil {
			err = r.refresh(ctx, infos, lease)
		}
	}
	if err != nil {
		return fmt.Errorf("refreshing %d session leases in redis: %w", len(infos), err)
	}
	return nil
}

func (r *RedisRegistry) refresh(ctx context.Context, infos []Info, lease time.Duration) error {
	exp, ttl := ms(r.clock.Now().Add(lease)), keyTTL(lease)
	pipe := r.c.Pipeline()
	for _, info := range infos {
		data, err := json.Marshal(info)
		if err != nil {
			return fmt.Errorf("encoding session %q: %w", info.Name, err)
		}
		keys := []string{r.userKey(info.User), r.allKey(), r.sessKey(info.ID), r.nameKey(info.Name)}
		refreshScript.EvalSha(ctx, pipe, keys, exp, info.ID, data, ttl)
	}
	_, err := pipe.Exec(ctx)
	return err
}

// Release implements Registry.
func (r *RedisRegistry) Release(ctx context.Context, id string) error {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	data, err := r.c.Get(ctx, r.sessKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return r.c.ZRem(ctx, r.allKey(), id).Err()
	}
	if err != nil {
		return fmt.Errorf("releasing session %q in redis: %w", id, err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		return fmt.Errorf("releasing session %q: decoding record: %w", id, err)
	}
	keys := []string{r.userKey(info.User), r.allKey(), r.sessKey(id), r.nameKey(info.Name)}
	if err := releaseScript.Run(ctx, r.c, keys, id).Err(); err != nil {
		return fmt.Errorf("releasing session %q in redis: %w", id, err)
	}
	return nil
}

// List implements Registry.
func (r *RedisRegistry) List(ctx context.Context, f Filter) ([]Info, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	now := ms(r.clock.Now())
	if err := r.c.ZRemRangeByScore(ctx, r.allKey(), "-inf", now).Err(); err != nil {
		return nil, fmt.Errorf("listing sessions in redis: %w", err)
	}
	ids, err := r.c.ZRange(ctx, r.allKey(), 0, -1).Result()
	if err != nil || len(ids) == 0 {
		return nil, wrapList(err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = r.sessKey(id)
	}
	vals, err := r.c.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, wrapList(err)
	}
	var out []Info
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // expired between the two calls
		}
		var info Info
		if err := json.Unmarshal([]byte(s), &info); err != nil {
			return nil, fmt.Errorf("listing sessions: decoding %s: %w", keys[i], err)
		}
		if f.matches(info) {
			out = append(out, info)
		}
	}
	sortInfos(out)
	return out, nil
}

func wrapList(err error) error {
	if err != nil {
		return fmt.Errorf("listing sessions in redis: %w", err)
	}
	return nil
}

// Lookup implements Registry.
func (r *RedisRegistry) Lookup(ctx context.Context, idOrName string) (Info, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	id := idOrName
	data, err := r.c.Get(ctx, r.sessKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		if id, err = r.c.Get(ctx, r.nameKey(idOrName)).Result(); err == nil {
			data, err = r.c.Get(ctx, r.sessKey(id)).Bytes()
		}
	}
	if errors.Is(err, redis.Nil) {
		return Info{}, fmt.Errorf("looking up session %q: %w", idOrName, ErrNotFound)
	}
	if err != nil {
		return Info{}, fmt.Errorf("looking up session %q in redis: %w", idOrName, err)
	}
	score, err := r.c.ZScore(ctx, r.allKey(), id).Result()
	if errors.Is(err, redis.Nil) || (err == nil && int64(score) <= r.clock.Now().UnixMilli()) {
		return Info{}, fmt.Errorf("looking up session %q (lease ended): %w", idOrName, ErrNotFound)
	}
	if err != nil {
		return Info{}, fmt.Errorf("looking up session %q in redis: %w", idOrName, err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		return Info{}, fmt.Errorf("looking up session %q: decoding record: %w", idOrName, err)
	}
	return info, nil
}

// Serve implements Registry over pub/sub: each command runs in its own
// goroutine and its result is published to the command's reply channel.
func (r *RedisRegistry) Serve(node string, h CommandHandler) (func(), error) {
	ctx, cancel := context.WithCancel(context.Background())
	ps := r.c.Subscribe(ctx, r.prefix+"node:"+node)
	if _, err := ps.Receive(ctx); err != nil {
		cancel()
		_ = ps.Close()
		return nil, fmt.Errorf("subscribing to admin commands of node %q: %w", node, err)
	}
	var wg sync.WaitGroup
	msgs := ps.Channel()
	wg.Go(func() {
		for msg := range msgs {
			var cmd Command
			if err := json.Unmarshal([]byte(msg.Payload), &cmd); err != nil || cmd.ReplyTo == "" {
				continue
			}
			wg.Go(func() { r.serveOne(ctx, h, cmd) })
		}
	})
	return func() {
		cancel()
		_ = ps.Close()
		wg.Wait()
	}, nil
}

func (r *RedisRegistry) serveOne(ctx context.Context, h CommandHandler, cmd Command) {
	hctx, cancel := context.WithTimeout(ctx, cmd.Timeout)
	res := h(hctx, cmd)
	cancel()
	data, err := json.Marshal(res)
	if err != nil {
		return
	}
	pctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.c.Publish(pctx, cmd.ReplyTo, data).Err()
}

// Call implements Registry over pub/sub.
func (r *RedisRegistry) Call(ctx context.Context, node string, cmd Command) (Result, error) {
	cmd.ReplyTo = r.prefix + "reply:" + newID()
	ps := r.c.Subscribe(ctx, cmd.ReplyTo)
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		return Result{}, fmt.Errorf("calling node %q (%s): subscribing: %w", node, cmd.Op, err)
	}
	data, err := json.Marshal(cmd)
	if err != nil {
		return Result{}, fmt.Errorf("calling node %q (%s): %w", node, cmd.Op, err)
	}
	n, err := r.c.Publish(ctx, r.prefix+"node:"+node, data).Result()
	if err != nil {
		return Result{}, fmt.Errorf("calling node %q (%s): publishing: %w", node, cmd.Op, err)
	}
	if n == 0 {
		return Result{}, fmt.Errorf("calling node %q (%s): no subscriber: %w", node, cmd.Op, ErrNodeUnreachable)
	}
	select {
	case msg, ok := <-ps.Channel():
		var res Result
		if !ok {
			return Result{}, fmt.Errorf("calling node %q (%s): reply channel closed: %w", node, cmd.Op, ErrNodeUnreachable)
		}
		if err := json.Unmarshal([]byte(msg.Payload), &res); err != nil {
			return Result{}, fmt.Errorf("calling node %q (%s): decoding reply: %w", node, cmd.Op, err)
		}
		return res, nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("calling node %q (%s): %w: %w", node, cmd.Op, ErrNodeUnreachable, ctx.Err())
	}
}

// RouteRedisLogs sends go-redis's own messages (connection pool dial
// failures, reconnects) to logger as warnings instead of the standard
// library logger's unstructured stderr lines. go-redis keeps its logger
// process-wide, so this is process-wide too: call it once, from main.
func RouteRedisLogs(logger *slog.Logger) {
	redis.SetLogger(redisLogger{logger})
}

type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, "redis client", "detail", strings.TrimSpace(fmt.Sprintf(format, v...)))
}
