import Foundation
import Ethereum
import GatewayCore
import Logging
import Rates
import Store

/// The validated configuration. Built once at startup; anything invalid stops the program
/// before it starts anything.
public struct GatewayConfig: Sendable {
    public var database: DatabaseLocation
    /// `STORE_RUN_BODIES_TWICE`: the test mode of `RunsBodiesTwice`.
    public var storeRunsBodiesTwice: Bool
    public var publicListen: ListenAddress
    public var internalListen: ListenAddress
    /// Empty means "generate a development token" (only `run`/`serve` do that).
    public var internalTokens: [Secret]
    /// Who may sign in to the console (`GATEWAY_OPERATOR_TOKENS`); empty: the console is off.
    public var operatorTokens: [OperatorToken]
    public var dataDirectory: String
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var walletURL: String?
    public var walletToken: Secret?
    public var outbox: OutboxSettings
    public var stripe: StripeSettings
    public var ethereum: EthereumSettings
    /// Tron's watcher settings: its own key, endpoints, id, depth and contract; the scanning
    /// limits, timeouts and lease length of Ethereum's.
    public var tron: ChainSettings
    public var rates: RatesSettings
    /// `WALLET_CURRENCIES` and card top-up limits.
    public var currencies: CurrencySettings

    public struct OutboxSettings: Sendable {
        public var pollIntervalMillis: Int64
        public var batchSize: Int
        public var concurrency: Int
        public var retry: OutboxRetryPolicy
        public var requestTimeoutMillis: Int64
    }

    public struct StripeSettings: Sendable {
        public var webhookSecrets: [Secret]
        public var toleranceSeconds: Int64
        public var maxBodyBytes: Int
        public var livemode: Bool
        /// Stripe's REST API: Checkout Sessions for card top-ups, and reconciliation.
        public var apiBase: String
        public var apiKey: Secret?
        /// The Checkout line item's name.
        public var topupProductName: String
        /// Where `gateway topups create` sends customers back to, unless told.
        public var topupReturnURL: String?
    }

    public typealias ChainSettings = EthereumSettings

    public struct EthereumSettings: Sendable {
        public var xpub: String?
        public var chainID: UInt64
        public var rpcURLs: [String]
        public var confirmations: UInt64
        public var usdtContract: EthereumAddress
        public var startBlock: UInt64?
        public var pollIntervalMillis: Int64
        public var scanBatchBlocks: UInt64
        public var logsMaxRange: UInt64
        public var rpcTimeoutMillis: Int64
        public var headStallSeconds: Int64
        public var leaseSeconds: Int64
        /// Debit a credit back when a deep reorg removes its deposit (off: alert only).
        public var compensateDeepReorg: Bool
    }

    public struct RatesSettings: Sendable {
        public var baseURL: String
        public var refreshSeconds: Int64
        public var priceField: String
        public var book: RateBook.Settings
        public var timeoutMillis: Int64
        public var usdtPeg: Bool
    }

    public enum LogFormat: String, Sendable { case logfmt, json }

    public init(_ source: ConfigSource) throws(ConfigError) {
        let reader = Reader(source: source)
        do {
            database = try DatabaseLocation(databaseURL: source["DATABASE_URL"])
        } catch {
            throw ConfigError(key: "DATABASE_URL", problem: error.description)
        }
        storeRunsBodiesTwice = try reader.bool("STORE_RUN_BODIES_TWICE")
        publicListen = try reader.listen("GATEWAY_PUBLIC_LISTEN")
        internalListen = try reader.listen("GATEWAY_INTERNAL_LISTEN")
        internalTokens = try reader.secrets("GATEWAY_INTERNAL_TOKENS")
        operatorTokens = try OperatorToken.parse(source["GATEWAY_OPERATOR_TOKENS"], internalTokens: internalTokens)
        dataDirectory = source["GATEWAY_DATA_DIR"] ?? "./data"
        guard let level = Logger.Level(rawValue: source["LOG_LEVEL"] ?? "info") else {
            throw ConfigError(key: "LOG_LEVEL", problem: "expected trace, debug, info, notice, warning, error or critical")
        }
        logLevel = level
        guard let format = LogFormat(rawValue: source["LOG_FORMAT"] ?? "logfmt") else {
            throw ConfigError(key: "LOG_FORMAT", problem: "expected logfmt or json")
        }
        logFormat = format
        walletURL = try source["WALLET_API_URL"].map { url throws(ConfigError) in
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigError(key: "WALLET_API_URL", problem: "expected an http:// or https:// URL")
            }
            return url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        walletToken = source["WALLET_API_TOKEN"].map(Secret.init)
        outbox = OutboxSettings(
            pollIntervalMillis: try reader.int("OUTBOX_POLL_INTERVAL_MS", 10...60_000),
            batchSize: Int(try reader.int("OUTBOX_BATCH_SIZE", 1...500)),
            concurrency: Int(try reader.int("OUTBOX_CONCURRENCY", 1...64)),
            retry: OutboxRetryPolicy(
                maxAttempts: Int(try reader.int("OUTBOX_MAX_ATTEMPTS", 1...1000)),
                baseDelayMillis: try reader.int("OUTBOX_BACKOFF_BASE_MS", 1...3_600_000),
                maxDelayMillis: try reader.int("OUTBOX_BACKOFF_MAX_MS", 1...86_400_000)
            ),
            requestTimeoutMillis: try reader.int("OUTBOX_REQUEST_TIMEOUT_MS", 100...120_000)
        )
        let tolerance = try reader.int("STRIPE_TOLERANCE_SECONDS", 0...3600)
        guard tolerance > 0 else {
            throw ConfigError(key: "STRIPE_TOLERANCE_SECONDS", problem: "0 would disable the replay check; use 1–3600")
        }
        let stripeBase = source["STRIPE_API_BASE"] ?? "https://api.stripe.com"
        guard stripeBase.hasPrefix("http://") || stripeBase.hasPrefix("https://") else {
            throw ConfigError(key: "STRIPE_API_BASE", problem: "expected an http:// or https:// URL")
        }
        stripe = StripeSettings(
            webhookSecrets: try reader.secrets("STRIPE_WEBHOOK_SECRET"),
            toleranceSeconds: tolerance,
            maxBodyBytes: Int(try reader.int("STRIPE_MAX_BODY_BYTES", 1024...16_777_216)),
            livemode: try reader.bool("STRIPE_LIVEMODE"),
            apiBase: stripeBase,
            apiKey: source["STRIPE_API_KEY"].flatMap { $0.isEmpty ? nil : Secret($0) },
            topupProductName: try Self.productName(source["CARD_TOPUP_PRODUCT_NAME"] ?? "Wallet top-up"),
            topupReturnURL: try source["CARD_TOPUP_RETURN_URL"].map { url throws(ConfigError) in
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw ConfigError(key: "CARD_TOPUP_RETURN_URL", problem: "expected an http:// or https:// URL")
                }
                return url
            }
        )
        currencies = try CurrencySettings(
            walletText: source["WALLET_CURRENCIES"] ?? "USD",
            limitsText: source["CARD_TOPUP_LIMITS"] ?? ConfigKey.named("CARD_TOPUP_LIMITS")?.defaultValue ?? ""
        )
        let deviationText = source["RATES_MAX_DEVIATION_PERCENT"] ?? "10"
        guard let deviation = DecimalPrice(deviationText), deviation >= DecimalPrice("0.1")!, deviation <= DecimalPrice("100")! else {
            throw ConfigError(key: "RATES_MAX_DEVIATION_PERCENT", problem: "'\(deviationText)' is not a decimal from 0.1 to 100")
        }
        let field = source["RATES_PRICE_FIELD"] ?? "last"
        guard ["last", "bid", "ask"].contains(field) else {
            throw ConfigError(key: "RATES_PRICE_FIELD", problem: "expected last, bid or ask")
        }
        let policy = source["USDT_USD_POLICY"] ?? "market"
        guard ["market", "peg"].contains(policy) else {
            throw ConfigError(key: "USDT_USD_POLICY", problem: "expected market or peg")
        }
        let cexURL = source["CEXIO_BASE_URL"] ?? "https://cex.io/api"
        guard cexURL.hasPrefix("http://") || cexURL.hasPrefix("https://") else {
            throw ConfigError(key: "CEXIO_BASE_URL", problem: "expected an http:// or https:// URL")
        }
        let refreshSeconds = try reader.int("RATES_REFRESH_SECONDS", 5...3600)
        let windowSeconds = try reader.int("RATES_DEVIATION_WINDOW_SECONDS", 10...86_400)
        let timeoutMillis = try reader.int("RATES_TIMEOUT_MS", 100...60_000)
        // A price after a gap longer than the window is held until the next fetch agrees with
        // it; with fetches further apart than the window, every price would be held and none
        // ever accepted. Two refreshes and a timeout fit, so one failed fetch is survived.
        guard windowSeconds * 1000 >= 2 * refreshSeconds * 1000 + timeoutMillis else {
            throw ConfigError(
                key: "RATES_DEVIATION_WINDOW_SECONDS",
                problem: "must be at least 2 × RATES_REFRESH_SECONDS plus RATES_TIMEOUT_MS (\(2 * refreshSeconds + (timeoutMillis + 999) / 1000) s here), "
                    + "or no price would ever be confirmed"
            )
        }
        rates = RatesSettings(
            baseURL: cexURL,
            refreshSeconds: refreshSeconds,
            priceField: field,
            book: RateBook.Settings(
                maxAgeMillis: try reader.int("RATES_MAX_AGE_SECONDS", 10...3600) * 1000,
                maxDeviationPercent: deviation,
                deviationWindowMillis: windowSeconds * 1000
            ),
            timeoutMillis: timeoutMillis,
            usdtPeg: policy == "peg"
        )
        let rpcURLs = try reader.secrets("ETH_RPC_URL").map(\.value)
        for url in rpcURLs where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ConfigError(key: "ETH_RPC_URL", problem: "expected http:// or https:// URLs")
        }
        let usdtText = source["ETH_USDT_CONTRACT"] ?? "0xdAC17F958D2ee523a2206206994597C13D831ec7"
        let usdt: EthereumAddress
        do { usdt = try EthereumAddress(hex: usdtText) } catch {
            throw ConfigError(key: "ETH_USDT_CONTRACT", problem: "'\(usdtText)' is not an address: \(error)")
        }
        ethereum = EthereumSettings(
            xpub: source["ETH_XPUB"],
            chainID: UInt64(try reader.int("ETH_CHAIN_ID", 1...Int64.max)),
            rpcURLs: rpcURLs,
            confirmations: UInt64(try reader.int("ETH_CONFIRMATIONS", 1...64)),
            usdtContract: usdt,
            startBlock: try source["ETH_START_BLOCK"].map { _ throws(ConfigError) in UInt64(try reader.int("ETH_START_BLOCK", 0...Int64.max)) },
            pollIntervalMillis: try reader.int("ETH_POLL_INTERVAL_MS", 50...60_000),
            scanBatchBlocks: UInt64(try reader.int("ETH_SCAN_BATCH_BLOCKS", 1...1000)),
            logsMaxRange: UInt64(try reader.int("ETH_LOGS_MAX_RANGE", 1...100_000)),
            rpcTimeoutMillis: try reader.int("ETH_RPC_TIMEOUT_MS", 100...120_000),
            headStallSeconds: try reader.int("ETH_HEAD_STALL_SECONDS", 5...3600),
            leaseSeconds: try reader.int("WATCHER_LEASE_SECONDS", 2...300),
            compensateDeepReorg: try reader.bool("ETH_COMPENSATE_DEEP_REORG")
        )
        let tronURLs = try reader.secrets("TRON_RPC_URL").map(\.value)
        for url in tronURLs where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ConfigError(key: "TRON_RPC_URL", problem: "expected http:// or https:// URLs")
        }
        let tronUSDT = source["TRON_USDT_CONTRACT"] ?? "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
        let tronContract: TronAddress
        do { tronContract = try TronAddress(parsing: tronUSDT) } catch {
            throw ConfigError(key: "TRON_USDT_CONTRACT", problem: "'\(tronUSDT)' is \(error)")
        }
        var tron = ethereum
        tron.xpub = source["TRON_XPUB"]
        tron.chainID = try reader.chainID("TRON_CHAIN_ID")
        // Deposits, cursors and headers are kept per chain id.
        guard tron.chainID != ethereum.chainID else {
            throw ConfigError(key: "TRON_CHAIN_ID", problem: "equals ETH_CHAIN_ID (\(ethereum.chainID)); the chains' records would mix")
        }
        tron.rpcURLs = tronURLs
        tron.confirmations = UInt64(try reader.int("TRON_CONFIRMATIONS", 1...64))
        tron.usdtContract = tronContract.evm
        tron.startBlock = try source["TRON_START_BLOCK"].map { _ throws(ConfigError) in UInt64(try reader.int("TRON_START_BLOCK", 0...Int64.max)) }
        self.tron = tron
    }

    /// Stripe shows it to the customer; it must be non-empty, and short enough to display.
    static let maxProductNameLength = 250

    private static func productName(_ text: String) throws(ConfigError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= maxProductNameLength else {
            throw ConfigError(key: "CARD_TOPUP_PRODUCT_NAME", problem: "must be 1–\(maxProductNameLength) characters")
        }
        return trimmed
    }

    /// Loads and validates in one step; what `main` calls.
    public static func load(environment: [String: String]? = nil) throws(ConfigError) -> (GatewayConfig, ConfigSource) {
        let source = if let environment { try ConfigSource.load(environment: environment) } else { try ConfigSource.load() }
        return (try GatewayConfig(source), source)
    }

    /// The effective configuration as `KEY=value` lines with secrets redacted.
    public static func describe(_ source: ConfigSource) -> [String] {
        ConfigKey.all.map { key in
            let value: String
            if let raw = source[key.name] {
                value = key.secret ? redacted(key: key, raw) : raw
            } else {
                value = "(unset)"
            }
            let origin = source.origins[key.name].map { "  # \($0)" } ?? ""
            return "\(key.name)=\(value)\(origin)"
        }
    }

    private static func redacted(key: ConfigKey, _ raw: String) -> String {
        if key.name == "DATABASE_URL" { return (try? DatabaseLocation(databaseURL: raw).description) ?? "<redacted>" }
        let count = raw.split(separator: ",").count
        return count > 1 ? "<redacted ×\(count)>" : "<redacted>"
    }

    private struct Reader {
        let source: ConfigSource

        func int(_ name: String, _ range: ClosedRange<Int64>) throws(ConfigError) -> Int64 {
            guard let text = source[name] ?? ConfigKey.named(name)?.defaultValue else {
                throw ConfigError(key: name, problem: "missing")
            }
            guard let value = Int64(text) else { throw ConfigError(key: name, problem: "'\(text)' is not an integer") }
            guard range.contains(value) else {
                throw ConfigError(key: name, problem: "\(value) is outside \(range.lowerBound)–\(range.upperBound)")
            }
            return value
        }

        /// A chain id in decimal or `0x` hex (Tron's documentation writes it in hex).
        func chainID(_ name: String) throws(ConfigError) -> UInt64 {
            guard let text = source[name] ?? ConfigKey.named(name)?.defaultValue else { throw ConfigError(key: name, problem: "missing") }
            let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            // Stored as a signed 64-bit integer, as every chain id in use is.
            guard let value, value > 0, value <= UInt64(Int64.max) else {
                throw ConfigError(key: name, problem: "'\(text)' is not a decimal or 0x hex integer in 1–\(Int64.max)")
            }
            return value
        }

        func bool(_ name: String) throws(ConfigError) -> Bool {
            switch (source[name] ?? "false").lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            case let other: throw ConfigError(key: name, problem: "'\(other)' is not true or false")
            }
        }

        func listen(_ name: String) throws(ConfigError) -> ListenAddress {
            guard let text = source[name] else { throw ConfigError(key: name, problem: "missing") }
            guard let address = ListenAddress(text) else {
                throw ConfigError(key: name, problem: "'\(text)' is not host:port with a port 0–65535")
            }
            return address
        }

        func secrets(_ name: String) throws(ConfigError) -> [Secret] {
            guard let text = source[name] else { return [] }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.allSatisfy({ !$0.isEmpty }) else {
                throw ConfigError(key: name, problem: "empty entry in comma-separated list")
            }
            // Short tokens are guessable; a bearer token is the only thing guarding the wallet.
            if name == "GATEWAY_INTERNAL_TOKENS", parts.contains(where: { $0.utf8.count < 16 }) {
                throw ConfigError(key: name, problem: "every token must be at least 16 characters")
            }
            return parts.map(Secret.init)
        }
    }
}

/// A `host:port` to bind. Port 0 asks the kernel for a free port (tests use it).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        self.host = host
        self.port = port
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
