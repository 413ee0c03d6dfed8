package dev.warbler.server;

import java.util.Locale;

/**
 * Every configuration value, with its default and why it is that number. Values come from the
 * defaults, then a properties file ({@code --config FILE} or {@code WARBLER_CONFIG}), then the
 * environment ({@code WARBLER_} + the key in upper case with dots and dashes as underscores), then
 * command-line flags. {@code warbler config defaults} prints this table.
 */
public enum Setting {
  DATA_DIR("data.dir", "./data", "where the embedded store and the generated admin key live"),
  SHUTDOWN_UNREADY_SECONDS(
      "shutdown.unready-seconds",
      "0",
      "on SIGTERM, seconds /readyz says not ready while the node still serves, so a load balancer"
          + " stops sending it clients before they are told to move (Kubernetes: 5 to 10)"),
  SHUTDOWN_DEADLINE_SECONDS(
      "shutdown.deadline-seconds",
      "30",
      "on SIGTERM, the longest the drain may take; after it the process exits anyway (code 3)"),
  GATEWAY_HOST("gateway.host", "0.0.0.0", "address the WebSocket gateway binds"),
  GATEWAY_PORT("gateway.port", "7070", "WebSocket port; 0 picks a free port"),
  GATEWAY_PATH("gateway.path", "/ws", "WebSocket path"),
  GATEWAY_MAX_FRAME_BYTES(
      "gateway.max-frame-bytes", "65536", "largest inbound frame; larger closes with 1009"),
  GATEWAY_IDLE_TIMEOUT_SECONDS(
      "gateway.idle-timeout-seconds",
      "60",
      "close a connection that sends nothing this long (clients ping at a third of it)"),
  GATEWAY_AUTH_TIMEOUT_SECONDS(
      "gateway.auth-timeout-seconds", "10", "time allowed between the handshake and the auth"),
  GATEWAY_HANDSHAKE_TIMEOUT_SECONDS(
      "gateway.handshake-timeout-seconds", "10", "time allowed for the WebSocket handshake"),
  GATEWAY_MAX_OUTBOUND_BYTES(
      "gateway.max-outbound-bytes",
      "1048576",
      "unsent bytes queued per connection before it is closed as a slow consumer (4000)"),
  GATEWAY_SOCKET_SEND_BUFFER_BYTES(
      "gateway.socket-send-buffer-bytes",
      "0",
      "kernel send buffer per client socket; 0 lets the OS autotune it (up to 4 MiB on Linux)"),
  GATEWAY_ALLOWED_ORIGINS(
      "gateway.allowed-origins",
      "",
      "comma-separated Origin allowlist for browser clients; empty allows any origin"),
  GATEWAY_COMPRESSION(
      "gateway.compression", "false", "permessage-deflate; costs CPU and memory per connection"),
  HTTP_HOST("http.host", "0.0.0.0", "address the REST API binds"),
  HTTP_PORT("http.port", "8080", "REST API port; 0 picks a free port"),
  HTTP_MAX_BODY_BYTES("http.max-body-bytes", "1048576", "largest REST request body"),
  HTTP_IDLE_TIMEOUT_SECONDS(
      "http.idle-timeout-seconds",
      "30",
      "close a REST connection with no traffic either way this long (Jetty idle timeout)"),
  HTTP_HEADER_TIMEOUT_SECONDS(
      "http.header-timeout-seconds",
      "10",
      "request line and headers must arrive within this of the first byte (slowloris)"),
  HTTP_BODY_TIMEOUT_SECONDS(
      "http.body-timeout-seconds",
      "30",
      "a request body must arrive within this of the request's first byte (slow bodies)"),
  HTTP_PUBLIC_WEBSOCKET_URL(
      "http.public-websocket-url",
      "",
      "WebSocket URL that discovery announces (set it in production); empty derives it from the"
          + " request's host when that is this node (loopback, own address, http.allowed-hosts)"),
  HTTP_ALLOWED_HOSTS(
      "http.allowed-hosts",
      "",
      "comma-separated host names discovery may derive the WebSocket URL from, besides loopback"
          + " and this machine's addresses; others are refused so a forged Host cannot redirect"),
  HTTP_TRUSTED_PROXIES(
      "http.trusted-proxies",
      "",
      "comma-separated IPs or CIDR blocks of reverse proxies whose X-Forwarded-For/-Proto/-Host"
          + " are believed; empty believes nobody's"),
  TLS_ENABLED(
      "tls.enabled",
      "false",
      "serve wss:// and https:// on the gateway and API ports; off so serve runs on a laptop"),
  TLS_CERT_FILE(
      "tls.cert-file", "", "PEM certificate chain, leaf first; required when tls.enabled"),
  TLS_KEY_FILE(
      "tls.key-file",
      "",
      "PEM private key of the leaf, unencrypted: PKCS#8, PKCS#1 (RSA) or SEC1 (EC)"),
  TLS_PROTOCOLS(
      "tls.protocols",
      "TLSv1.3,TLSv1.2",
      "accepted TLS versions; TLSv1.1 and older are refused and cannot be configured"),
  TLS_RELOAD_INTERVAL_SECONDS(
      "tls.reload-interval-seconds",
      "60",
      "how often the PEM files are checked and a changed certificate served; 0: never"),
  AUTH_ADMIN_KEY(
      "auth.admin-key",
      "",
      "root admin key (also WARBLER_ADMIN_KEY), at least 32 characters; empty generates one into"
          + " DATA/admin.key"),
  AUTH_TOKEN_ALGORITHMS(
      "auth.token-algorithms", "HS256", "accepted JWT algorithms (HS256, HS384, HS512)"),
  AUTH_CLOCK_SKEW_SECONDS(
      "auth.clock-skew-seconds",
      "30",
      "tolerance for exp, nbf and iat between token issuer and us"),
  AUTH_TOKEN_MAX_TTL_SECONDS(
      "auth.token-max-ttl-seconds", "2592000", "longest user token the API issues (30 days)"),
  AUTH_DEFAULT_APP(
      "auth.default-app", "default", "app created on first start for clients without --app"),
  STORE_KIND(
      "store.kind",
      "sqlite",
      "which store holds the data: sqlite (embedded in data.dir) or postgres (shared by nodes)"),
  STORE_POSTGRES_URL(
      "store.postgres.url",
      "jdbc:postgresql://127.0.0.1:5432/warbler",
      "JDBC URL of the PostgreSQL database (store.kind=postgres); every node names the same one"),
  STORE_POSTGRES_USER("store.postgres.user", "warbler", "PostgreSQL user of the store"),
  STORE_POSTGRES_PASSWORD(
      "store.postgres.password",
      "",
      "that user's password (secret: never logged); empty for trust or a .pgpass file"),
  STORE_POSTGRES_SCHEMA(
      "store.postgres.schema",
      "warbler",
      "schema holding Warbler's tables, created and migrated at start when absent"),
  STORE_POSTGRES_POOL_SIZE(
      "store.postgres.pool-size",
      "8",
      "connections per node: one for the writer's batch, the rest for concurrent reads"),
  STORE_POSTGRES_CONNECT_TIMEOUT_MS(
      "store.postgres.connect-timeout-ms",
      "2000",
      "wait for a connection (PostgreSQL down, pool busy) before a request fails UNAVAILABLE"),
  BUS_KIND(
      "bus.kind",
      "local",
      "what carries events between nodes: local (this process only) or nats (a cluster)"),
  BUS_NODE_ID(
      "bus.node-id",
      "",
      "this node's id in the cluster, unique per node; empty: the host name and a random suffix"),
  BUS_NATS_SERVERS(
      "bus.nats.servers",
      "nats://127.0.0.1:4222",
      "NATS server URLs, comma-separated (bus.kind=nats); the client fails over between them"),
  BUS_NATS_SUBJECT_PREFIX(
      "bus.nats.subject-prefix",
      "warbler",
      "first subject token of every event, so clusters sharing one NATS do not hear each other"),
  BUS_NATS_PRESENCE_BUCKET(
      "bus.nats.presence-bucket",
      "warbler-presence",
      "JetStream key-value bucket of the presence registry (which nodes hold which users)"),
  BUS_NATS_JETSTREAM_DOMAIN(
      "bus.nats.jetstream-domain",
      "",
      "JetStream domain of the presence buckets; empty: the connected server's. A node whose NATS"
          + " is a leaf node without JetStream (another region) names the hub's domain"),
  BUS_NATS_NODE_TIMEOUT_SECONDS(
      "bus.nats.node-timeout-seconds",
      "10",
      "a node silent this long is taken for dead and its users shown offline (heartbeat: a third)"),
  BUS_PRESENCE_REPAIR_SECONDS(
      "bus.presence-repair-seconds",
      "2",
      "how often a node looks for nodes that died without a word (kill -9) to drop their users"),
  STORE_DURABILITY(
      "store.sqlite.durability",
      "FULL",
      "FULL fsyncs every batch before acking; NORMAL survives crashes, not power loss; OFF"),
  STORE_MAX_BATCH(
      "store.max-batch", "1000", "writes per commit (sqlite, postgres); bounds a batch's latency"),
  STORE_WRITE_QUEUE(
      "store.write-queue",
      "100000",
      "pending writes (sqlite, postgres) before sends fail with UNAVAILABLE"),
  STORE_READ_CONNECTIONS(
      "store.read-connections", "4", "concurrent SQLite readers (postgres: pool-size)"),
  LIMITS_MAX_TEMPLATE_BYTES(
      "limits.max-template-bytes", "4096", "text of one notification template, UTF-8 bytes"),
  LIMITS_MAX_MESSAGE_BYTES(
      "limits.max-message-bytes", "32768", "text plus payload of one message, UTF-8 bytes"),
  LIMITS_MAX_GROUP_MEMBERS(
      "limits.max-group-members",
      "2000",
      "members of one group, at most 100000; a message costs per online member, not per member"),
  LIMITS_MAX_GROUP_PROFILE_BYTES(
      "limits.max-group-profile-bytes",
      "8192",
      "group name, avatar URL, description and custom JSON together; fits one event message"),
  LIMITS_MAX_JOIN_REQUESTS(
      "limits.max-join-requests",
      "1000",
      "pending join requests per group; bounds what a spammer makes admins review"),
  LIMITS_GROUP_PAGE_MAX(
      "limits.group-page-max", "500", "members or join requests in one listing page"),
  LIMITS_SYNC_PAGE_MAX("limits.sync-page-max", "200", "conversations in one sync page"),
  LIMITS_PULL_PAGE_MAX("limits.pull-page-max", "500", "messages in one pull or history page"),
  LIMITS_RECALL_WINDOW_SECONDS(
      "limits.recall-window-seconds",
      "120",
      "how long a sender may recall its message; group moderators may always; 0: only they"),
  LIMITS_EDIT_WINDOW_SECONDS(
      "limits.edit-window-seconds", "86400", "how long a sender may edit its message; 0: never"),
  LIMITS_MAX_MENTIONS(
      "limits.max-mentions",
      "50",
      "users one message may mention; bounds mention rows per message"),
  LIMITS_MAX_REACTION_KINDS(
      "limits.max-reaction-kinds",
      "50",
      "distinct reaction emoji per message; bounds the counts every copy of it carries"),
  LIMITS_MAX_CONVERSATION_CUSTOM_BYTES(
      "limits.max-conversation-custom-bytes",
      "4096",
      "a user's custom JSON settings of one conversation, UTF-8 bytes"),
  CHATROOM_RECENT_MESSAGES(
      "chatroom.recent-messages",
      "50",
      "messages kept in memory per chatroom and handed to those who join"),
  CHATROOM_MAX_PRESENT(
      "chatroom.max-present",
      "20000",
      "connections in one chatroom at once; bounds the fan-out of one message"),
  CHATROOM_MAX_ROOMS_PER_CONNECTION(
      "chatroom.max-rooms-per-connection",
      "10",
      "chatrooms one connection may be in; bounds the pushes one client must absorb"),
  CHATROOM_MAX_ROOMS(
      "chatroom.max-rooms", "1000", "chatrooms per app; bounds the rooms held in memory"),
  MODERATION_MAX_WORD_CHARS(
      "moderation.max-word-chars",
      "64",
      "characters of one sensitive word as given; longer ones are phrases, not words"),
  MODERATION_MAX_CATEGORY_CHARS(
      "moderation.max-category-chars", "32", "characters of a sensitive word's category"),
  MODERATION_MAX_WORDS_PER_REQUEST(
      "moderation.max-words-per-request",
      "1000",
      "words one add, delete or import request carries; bounds one request's work"),
  MODERATION_MAX_WORDS_PER_APP(
      "moderation.max-words-per-app",
      "20000",
      "words in one app's list; bounds the automaton each node keeps per app"),
  MODERATION_MASK_CHARACTER(
      "moderation.mask-character", "*", "what replaces each masked character (one character)"),
  MODERATION_REFRESH_MILLIS(
      "moderation.refresh-millis",
      "1000",
      "how often a node checks every app's list version; bounds when other nodes' changes apply"),
  CONTACTS_MAX_FRIENDS("contacts.max-friends", "10000", "friends per user; bounds the friend list"),
  CONTACTS_MAX_BLOCKED(
      "contacts.max-blocked", "10000", "users one user may block; bounds the block list"),
  CONTACTS_MAX_PENDING_REQUESTS(
      "contacts.max-pending-requests",
      "200",
      "a user's friend requests waiting for an answer; bounds request spam"),
  CONTACTS_MAX_REQUEST_MESSAGE_BYTES(
      "contacts.max-request-message-bytes", "512", "the note of a friend request, UTF-8 bytes"),
  CONTACTS_PAGE_MAX(
      "contacts.page-max", "200", "entries in one page of a friend, request or block list"),
  LIMITS_RECEIPT_FANOUT_MAX_MEMBERS(
      "limits.receipt-fanout-max-members",
      "200",
      "read/delivery receipts are pushed only in conversations this small (direct: always)"),
  LIMITS_TYPING_MAX_MEMBERS(
      "limits.typing-max-members",
      "100",
      "typing indicators only in conversations this small; beyond it they are noise"),
  GATEWAY_TYPING_MIN_INTERVAL_MS(
      "gateway.typing-min-interval-ms",
      "1000",
      "one typing event per connection and conversation per interval; more are dropped"),
  LIMITS_PRESENCE_SUBSCRIPTIONS(
      "limits.presence-subscriptions",
      "500",
      "users one connection may watch (and one presence query may name)"),
  LIMITS_LIST_PAGE_MAX(
      "limits.list-page-max", "200", "largest page of a paginated list (users, receipts)"),
  LIMITS_MAX_PROFILE_BYTES(
      "limits.max-profile-bytes", "8192", "name + avatar URL + custom JSON of one user, UTF-8"),
  LIMITS_RATE_USER_PER_SECOND(
      "limits.rate.user-per-second",
      "50",
      "requests (send, edit, react, pull, ...) per user over all its connections; 0: no limit"),
  LIMITS_RATE_USER_BURST(
      "limits.rate.user-burst",
      "200",
      "requests a user may make at once after a quiet spell (a reconnect's sync and pulls)"),
  LIMITS_RATE_SIGNAL_PER_SECOND(
      "limits.rate.signal-per-second",
      "100",
      "typing, delivered and mark_read per user; their own bucket so receipts never cost sends"),
  LIMITS_RATE_SIGNAL_BURST(
      "limits.rate.signal-burst",
      "500",
      "signals at once: one delivered per conversation after catching up on many"),
  LIMITS_RATE_APP_PER_SECOND(
      "limits.rate.app-per-second",
      "50000",
      "requests of all users of one app per node; above a node's capacity unless tenants share it"),
  LIMITS_RATE_APP_BURST("limits.rate.app-burst", "50000", "an app's requests at once"),
  LIMITS_RATE_REST_PER_SECOND(
      "limits.rate.rest-per-second",
      "1000",
      "REST calls per app API secret (the admin key is not limited); 429 with Retry-After"),
  LIMITS_RATE_REST_BURST("limits.rate.rest-burst", "2000", "REST calls of one app key at once"),
  LIMITS_RATE_REFUSALS_BEFORE_PAUSE(
      "limits.rate.refusals-before-pause",
      "8",
      "refusals in a row before the gateway stops reading a flooding socket until its retry-after"),
  LIMITS_RATE_MAX_PAUSE_MS(
      "limits.rate.max-pause-ms",
      "2000",
      "longest such pause: one that floods again right after a pause is paused twice as long"),
  LIMITS_AUTH_FAILURES_PER_MINUTE(
      "limits.auth-failures.per-minute",
      "30",
      "failed authentications (bad key or token signature) per client address per minute once the"
          + " burst is spent; then 429 until the bucket refills; 0: no throttle"),
  LIMITS_AUTH_FAILURES_BURST(
      "limits.auth-failures.burst",
      "20",
      "failed authentications one address may make at once (a mistyped key, a stale config)"),
  LIMITS_AUTH_FAILURES_MAX_ADDRESSES(
      "limits.auth-failures.max-addresses",
      "100000",
      "addresses whose failures are tracked at once; bounds the throttle's memory"),
  LIMITS_RATE_CONTROL_PER_SECOND(
      "limits.rate.control-per-second",
      "5",
      "WebSocket pings and pongs per connection, before auth too (close 1008 beyond); clients"
          + " ping every 20 s, and each ping costs a pong; 0: no limit"),
  LIMITS_RATE_CONTROL_BURST(
      "limits.rate.control-burst", "20", "WebSocket pings and pongs a connection may send at once"),
  GATEWAY_MAX_CONNECTIONS_PER_IP(
      "gateway.max-connections-per-ip",
      "10000",
      "open connections from one client address (429 beyond); allows big NATs; 0: no limit"),
  GATEWAY_MAX_CONNECTIONS_PER_USER(
      "gateway.max-connections-per-user",
      "100",
      "authenticated connections of one user per node (close 4107 beyond); 0: no limit"),
  SECURITY_MASTER_KEY(
      "security.master-key",
      "",
      "encryption at rest: base64 of 32 random bytes wrapping the apps' data keys; empty:"
          + " apps cannot encrypt; prefer security.master-key-file"),
  SECURITY_MASTER_KEY_FILE(
      "security.master-key-file",
      "",
      "file holding the base64 master key; refused if group or others may read it"),
  SECURITY_PREVIOUS_MASTER_KEYS(
      "security.previous-master-keys",
      "",
      "comma-separated base64 master keys replaced by a rotation; data keys they wrapped are"
          + " rewrapped with the current one at start"),
  USAGE_FLUSH_INTERVAL_SECONDS(
      "usage.flush-interval-seconds",
      "5",
      "how often usage counters are persisted; a crash loses at most this much metering"),
  AUDIT_COALESCE_WINDOW_SECONDS(
      "audit.coalesce-window-seconds",
      "60",
      "failed logins and denials of one source and kind make one audit entry per window"),
  AUDIT_MAX_COALESCED_KEYS(
      "audit.max-coalesced-keys",
      "10000",
      "distinct failure sources tracked per window; more are counted under one overflow entry"),
  AUDIT_KEY_FILE(
      "audit.key-file",
      "",
      "file holding the base64 HMAC key of the audit chain (32+ random bytes), refused if others"
          + " may read it; keep it off the data volume; empty: DATA/audit.key, generated"),
  AUDIT_HEAD_INTERVAL_SECONDS(
      "audit.head-interval-seconds",
      "300",
      "how often the chain's head is logged and exported (warbler_audit_head_seq), so that a cut"
          + " tail shows against the heads recorded elsewhere; 0: never"),
  WEBHOOKS_ALLOW_HTTP(
      "webhooks.allow-http",
      "false",
      "accept plain http:// webhook and hook targets; for development only (bodies and"
          + " signatures travel unencrypted)"),
  WEBHOOKS_ALLOWED_NETWORKS(
      "webhooks.allowed-networks",
      "",
      "comma-separated CIDR networks webhook targets may resolve into although they are not"
          + " public (loopback, private, link-local, ...), e.g. 10.1.0.0/16 for an app backend in"
          + " the same VPC; empty: public addresses only (SSRF)"),
  WEBHOOKS_CONNECT_TIMEOUT_MS(
      "webhooks.connect-timeout-ms", "3000", "time allowed to connect to a webhook target"),
  WEBHOOKS_TIMEOUT_MS(
      "webhooks.timeout-ms",
      "10000",
      "time allowed for one webhook request, answer included; slower counts as a failed attempt"),
  WEBHOOKS_MAX_RESPONSE_BYTES(
      "webhooks.max-response-bytes",
      "1024",
      "bytes of a webhook answer read (kept in the delivery log); the rest is discarded"),
  WEBHOOKS_MAX_SUBSCRIPTIONS(
      "webhooks.max-subscriptions",
      "20",
      "webhook subscriptions per app; each event costs one outbox row per subscription"),
  WEBHOOKS_MAX_ATTEMPTS(
      "webhooks.max-attempts",
      "8",
      "attempts per webhook delivery before it is marked failed (replayable); with the default"
          + " backoff the last one comes about 21 minutes after the event"),
  WEBHOOKS_MAX_AGE_SECONDS(
      "webhooks.max-age-seconds",
      "86400",
      "age after which an undelivered webhook delivery is marked failed whatever its attempts"),
  WEBHOOKS_BACKOFF_BASE_MS(
      "webhooks.backoff-base-ms",
      "10000",
      "wait before the second attempt of a delivery; doubles per attempt, jittered (half to all)"),
  WEBHOOKS_BACKOFF_MAX_SECONDS(
      "webhooks.backoff-max-seconds", "3600", "longest wait between two attempts of a delivery"),
  WEBHOOKS_DISABLE_AFTER_FAILURES(
      "webhooks.disable-after-failures",
      "50",
      "failed deliveries in a row that disable a subscription (audited as webhook.disable); 0:"
          + " never"),
  WEBHOOKS_SECRET_GRACE_SECONDS(
      "webhooks.secret-grace-seconds",
      "86400",
      "after a secret rotation, how long deliveries also carry a signature with the old secret"),
  WEBHOOKS_LEASE_SECONDS(
      "webhooks.lease-seconds",
      "60",
      "how long a node reserves a delivery it attempts; must exceed webhooks.timeout-ms, or a"
          + " slow attempt may be repeated by another node"),
  WEBHOOKS_BATCH(
      "webhooks.batch",
      "50",
      "deliveries claimed per dispatcher pass, attempted concurrently on virtual threads"),
  WEBHOOKS_POLL_MS(
      "webhooks.poll-ms",
      "500",
      "how often an idle dispatcher looks for due deliveries: the least latency a webhook adds"),
  HOOKS_BEFORE_SEND_TIMEOUT_MS(
      "hooks.before-send.timeout-ms",
      "2000",
      "longest time a user's send waits for its app's before-send hook (an app may choose less);"
          + " then the hook's fail-open or fail-closed choice applies"),
  HOOKS_BEFORE_SEND_MAX_ANSWER_BYTES(
      "hooks.before-send.max-answer-bytes",
      "131072",
      "bytes of a before-send hook's answer read; a modified message must fit (text plus payload"
          + " are at most limits.max-message-bytes, escaped in JSON)"),
  WEBHOOKS_CACHE_SECONDS(
      "webhooks.cache-seconds",
      "5",
      "how often a node reloads an app's webhook subscriptions and before-send hook in the"
          + " background; a change made through another node reaches this node's sends after it"
          + " (from the app's next send on)"),
  OTEL_EXPORTER_OTLP_ENDPOINT(
      "otel.exporter.otlp.endpoint",
      "",
      "OpenTelemetry collector (OTLP over HTTP, protobuf) that traces go to, as a base URL such as"
          + " http://127.0.0.1:4318 (spans are posted to URL/v1/traces); empty: no traces, no cost"),
  OTEL_SERVICE_NAME(
      "otel.service-name",
      "warbler",
      "service.name of this node's spans (service.instance.id is the node id, bus.node-id)"),
  OTEL_SAMPLER_RATIO(
      "otel.sampler-ratio",
      "1.0",
      "share of sends traced, 0.0 to 1.0, when traces are on; a node that receives a traced send"
          + " follows the sender's decision"),
  LOG_FORMAT(
      "log.format",
      "text",
      "text (one human line per event) or json (one JSON object per line on stderr with node and,"
          + " inside a traced request, trace_id and span_id); WARBLER_LOG_FORMAT also sets it for"
          + " the lines logged before the configuration is read");

  private final String key;
  private final String defaultValue;
  private final String description;

  Setting(String key, String defaultValue, String description) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  public String key() {
    return key;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }

  /** The environment variable that sets this value. */
  public String environmentVariable() {
    return "WARBLER_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
