/// Every configuration key the gateway reads: one table, the source of `config/README.md`,
/// `config/defaults.env` and `config/example.env` (a test checks the three files agree with it).
public struct ConfigKey: Sendable, Hashable {
    public let name: String
    public let type: String
    /// The non-secret default, or nil when unset by default.
    public let defaultValue: String?
    public let secret: Bool
    /// Which part of the gateway reads it.
    public let readBy: String
    public let summary: String
}

extension ConfigKey {
    public static let all: [ConfigKey] = [
        ConfigKey(name: "DATABASE_URL", type: "url", defaultValue: nil, secret: true, readBy: "store",
                  summary: "Unset: SQLite at ./data/gateway.sqlite. `sqlite:PATH` for another file, `postgres://user:pass@host:port/db?sslmode=disable|prefer|require` for PostgreSQL. Secret because it may hold a password."),
        ConfigKey(name: "GATEWAY_PUBLIC_LISTEN", type: "host:port", defaultValue: "127.0.0.1:8080", secret: false, readBy: "serve, run",
                  summary: "Public listener: the Stripe webhook."),
        ConfigKey(name: "GATEWAY_INTERNAL_LISTEN", type: "host:port", defaultValue: "127.0.0.1:8081", secret: false, readBy: "serve, run",
                  summary: "Internal listener: wallet API, health, metrics. Keep it off the internet."),
        ConfigKey(name: "GATEWAY_INTERNAL_TOKENS", type: "list of secrets", defaultValue: nil, secret: true, readBy: "serve, run",
                  summary: "Comma-separated bearer tokens accepted by the internal API. Unset: `run`/`serve` create a development token in ./data/internal-token (mode 0600) and print where."),
        ConfigKey(name: "GATEWAY_DATA_DIR", type: "path", defaultValue: "./data", secret: false, readBy: "serve, run",
                  summary: "Where generated development secrets live."),
        ConfigKey(name: "LOG_LEVEL", type: "trace|debug|info|notice|warning|error|critical", defaultValue: "info", secret: false, readBy: "all",
                  summary: "Minimum log level. Secrets and payloads are logged at no level above debug."),
        ConfigKey(name: "LOG_FORMAT", type: "logfmt|json", defaultValue: "logfmt", secret: false, readBy: "all",
                  summary: "Structured log line format on standard error."),
        ConfigKey(name: "WALLET_API_URL", type: "url", defaultValue: nil, secret: false, readBy: "outbox worker",
                  summary: "Base URL of the wallet API credits are delivered to. Unset: this process's own internal listener."),
        ConfigKey(name: "WALLET_API_TOKEN", type: "secret", defaultValue: nil, secret: true, readBy: "outbox worker",
                  summary: "Bearer token for WALLET_API_URL. Unset: the first internal token."),
        ConfigKey(name: "OUTBOX_POLL_INTERVAL_MS", type: "int (10–60000)", defaultValue: "250", secret: false, readBy: "outbox worker",
                  summary: "How often the worker looks for due rows when it found none last time."),
        ConfigKey(name: "OUTBOX_BATCH_SIZE", type: "int (1–500)", defaultValue: "50", secret: false, readBy: "outbox worker",
                  summary: "Rows claimed per round."),
        ConfigKey(name: "OUTBOX_CONCURRENCY", type: "int (1–64)", defaultValue: "8", secret: false, readBy: "outbox worker",
                  summary: "Deliveries in flight at once."),
        ConfigKey(name: "OUTBOX_MAX_ATTEMPTS", type: "int (1–1000)", defaultValue: "20", secret: false, readBy: "outbox worker",
                  summary: "Transient failures before a row is parked for an operator."),
        ConfigKey(name: "OUTBOX_BACKOFF_BASE_MS", type: "int (1–3600000)", defaultValue: "500", secret: false, readBy: "outbox worker",
                  summary: "First retry delay; doubles per attempt, with jitter."),
        ConfigKey(name: "OUTBOX_BACKOFF_MAX_MS", type: "int (1–86400000)", defaultValue: "7200000", secret: false, readBy: "outbox worker",
                  summary: "Longest retry delay."),
        ConfigKey(name: "OUTBOX_REQUEST_TIMEOUT_MS", type: "int (100–120000)", defaultValue: "10000", secret: false, readBy: "outbox worker",
                  summary: "Timeout of one wallet call. The claim lease is three times this."),
        ConfigKey(name: "STRIPE_WEBHOOK_SECRET", type: "list of secrets", defaultValue: nil, secret: true, readBy: "stripe webhook",
                  summary: "Comma-separated `whsec_…` signing secrets; any one verifies. Unset: the webhook answers 503 and `run` says so."),
        ConfigKey(name: "STRIPE_TOLERANCE_SECONDS", type: "int (1–3600)", defaultValue: "300", secret: false, readBy: "stripe webhook",
                  summary: "Largest allowed distance between the signature timestamp and now, either way. 0 is refused."),
        ConfigKey(name: "STRIPE_MAX_BODY_BYTES", type: "int (1024–16777216)", defaultValue: "1048576", secret: false, readBy: "stripe webhook",
                  summary: "Larger webhook bodies get 413 without being read whole."),
        ConfigKey(name: "STRIPE_LIVEMODE", type: "bool", defaultValue: "false", secret: false, readBy: "stripe webhook",
                  summary: "Events whose livemode differs are parked, never applied."),
        ConfigKey(name: "CEXIO_BASE_URL", type: "url", defaultValue: "https://cex.io/api", secret: false, readBy: "rates",
                  summary: "cex.io public REST API base; tickers are `GET {base}/ticker/{A}/{B}`."),
        ConfigKey(name: "RATES_REFRESH_SECONDS", type: "int (5–3600)", defaultValue: "30", secret: false, readBy: "rates",
                  summary: "How often each pair is fetched. cex.io allows 600 requests per 10 minutes; two pairs every 30 s use 40."),
        ConfigKey(name: "RATES_MAX_AGE_SECONDS", type: "int (10–3600)", defaultValue: "120", secret: false, readBy: "rates, watcher",
                  summary: "A rate older than this is not used; deposits wait in awaiting_rate instead."),
        ConfigKey(name: "RATES_PRICE_FIELD", type: "last|bid|ask", defaultValue: "last", secret: false, readBy: "rates",
                  summary: "Which ticker price converts deposits."),
        ConfigKey(name: "RATES_MAX_DEVIATION_PERCENT", type: "decimal (0.1–100)", defaultValue: "10", secret: false, readBy: "rates",
                  summary: "A price this far (percent) from the last accepted one is held until the next fetch confirms it."),
        ConfigKey(name: "RATES_DEVIATION_WINDOW_SECONDS", type: "int (10–86400)", defaultValue: "600", secret: false, readBy: "rates",
                  summary: "The deviation guard compares only with an accepted price at most this old."),
        ConfigKey(name: "RATES_TIMEOUT_MS", type: "int (100–60000)", defaultValue: "5000", secret: false, readBy: "rates",
                  summary: "Timeout of one cex.io request."),
        ConfigKey(name: "USDT_USD_POLICY", type: "market|peg", defaultValue: "market", secret: false, readBy: "rates",
                  summary: "market: convert USDT at cex.io's USDT/USD price (startup refuses if cex.io has no such pair). peg: 1 USDT = 1 USD, recorded with every conversion."),
        ConfigKey(name: "ETH_XPUB", type: "xpub", defaultValue: nil, secret: false, readBy: "deposit addresses, watcher",
                  summary: "Extended PUBLIC key of m/44'/60'/0'/0; address i is its child i. Never a private key. Unset: deposit addresses are off."),
        ConfigKey(name: "ETH_CHAIN_ID", type: "int", defaultValue: "1", secret: false, readBy: "deposit addresses, watcher",
                  summary: "Chain id reported with deposit addresses and checked against the node."),
    ]

    public static func named(_ name: String) -> ConfigKey? { all.first { $0.name == name } }
}
