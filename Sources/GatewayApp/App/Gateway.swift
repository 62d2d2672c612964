import GatewayCore
import Hummingbird
import Ethereum
import Logging
import Rates
import ServiceLifecycle
import Store
import UnixSignals

/// The composition root: one opened store and everything built on it.
///
/// `main` parses and calls `Gateway.open`, then `run`; tests call the same functions, with
/// port 0 and an injected clock.
public final class Gateway: Sendable {
    public let config: GatewayConfig
    public let database: any Database
    public let clock: WallClock
    public let metrics: GatewayMetrics
    public let logger: Logger
    public let addresses = BoundAddresses()
    /// Tokens the internal API accepts (configured, or the development token).
    public let internalTokens: [Secret]
    /// The deposit-address key, when `ETH_XPUB` is set.
    /// The configured deposit keys, by chain; a chain without one has no deposit addresses.
    public let depositKeys: [Chain: DepositKey]
    /// Ethereum's key (ETH_XPUB), if configured.
    public var depositKey: DepositKey? { depositKeys[.ethereum] }

    public var wallet: WalletStore { WalletStore(database: database) }
    public var outbox: OutboxStore { OutboxStore(database: database) }
    public var depositAddresses: DepositAddressStore { DepositAddressStore(database: database) }
    public var stripeIngest: StripeIngest {
        StripeIngest(
            database: database, livemode: config.stripe.livemode, walletCurrencies: config.currencies.walletCurrencies, clock: clock,
            refundFetching: config.stripe.apiKey != nil
        )
    }

    /// Card top-ups: Checkout Sessions created through `STRIPE_API_BASE` with `STRIPE_API_KEY`.
    public var cardTopups: CardTopups {
        CardTopups(
            database: database, api: config.stripe.apiKey.map { StripeAPIClient(baseURL: config.stripe.apiBase, key: $0) },
            settings: config.currencies, productName: config.stripe.topupProductName, livemode: config.stripe.livemode, clock: clock
        )
    }

    var depositAddressRoutes: DepositAddressRoutes {
        DepositAddressRoutes(
            keys: depositKeys, chainIDs: [.ethereum: config.ethereum.chainID, .tron: config.tron.chainID],
            ethereumUSDT: config.ethereum.usdtContract,
            addresses: depositAddresses, wallet: wallet, clock: clock
        )
    }

    /// The account's deposit address, assigned on first request (operator CLI and API alike).
    public func depositAddress(for account: AccountID, chain: Chain = .ethereum) async throws -> (record: DepositAddressRecord, json: JSONValue) {
        let routes = depositAddressRoutes
        let (record, _) = try await routes.assign(account, chain: chain)
        return (record, routes.json(record))
    }

    init(
        config: GatewayConfig, database: any Database, clock: WallClock, logger: Logger, internalTokens: [Secret],
        depositKeys: [Chain: DepositKey]
    ) {
        self.depositKeys = depositKeys
        self.config = config
        self.database = database
        self.clock = clock
        self.metrics = GatewayMetrics()
        self.logger = logger
        self.internalTokens = internalTokens
    }

    /// Opens the store and brings its schema up to date.
    /// - Parameter needsTokens: servers need internal tokens; when none are configured a
    ///   development token is created. Operator commands pass false.
    /// - Parameter checkXpub: false only for `gateway keys set-xpub`, which replaces the key.
    public static func open(
        config: GatewayConfig, logger: Logger, clock: WallClock = .system, needsTokens: Bool = true,
        checkXpub: Bool = true
    ) async throws -> Gateway {
        // Validate everything that needs no I/O before opening anything.
        var depositKeys: [Chain: DepositKey] = [:]
        if let text = config.ethereum.xpub { depositKeys[.ethereum] = try DepositKey(xpub: text, chain: .ethereum) }
        if let text = config.tron.xpub { depositKeys[.tron] = try DepositKey(xpub: text, chain: .tron) }
        var tokens = config.internalTokens
        if tokens.isEmpty, needsTokens {
            tokens = [try DevelopmentSecrets.internalToken(dataDirectory: config.dataDirectory, logger: logger)]
        }
        let opened = try await config.database.open(logger: logger)
        let database: any Database = config.storeRunsBodiesTwice ? RunsBodiesTwice(opened) : opened
        do {
            let applied = try await Migrator(database: database).migrate(now: clock.nowMillis())
            if !applied.isEmpty {
                logger.info("migrated store", metadata: ["store": "\(database.displayName)", "versions": "\(applied)"])
            }
            if checkXpub {
                for key in depositKeys.values { try await key.checkAgainstStore(database, now: clock.nowMillis()) }
            }
        } catch {
            await database.close()
            throw error
        }
        return Gateway(
            config: config, database: database, clock: clock, logger: logger, internalTokens: tokens, depositKeys: depositKeys
        )
    }

    public func close() async {
        await database.close()
    }

    /// What a process runs; `run` is all of them.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let publicHTTP = Parts(rawValue: 1)
        public static let internalHTTP = Parts(rawValue: 2)
        public static let outboxWorker = Parts(rawValue: 4)
        /// The cex.io rate fetcher; runs only where crypto deposits are on (`ETH_XPUB` set).
        public static let rates = Parts(rawValue: 8)
        /// The chain watcher; runs only with `ETH_XPUB` and `ETH_RPC_URL` set.
        public static let watcher = Parts(rawValue: 16)
        /// Lists refunds of charges whose `charge.refunded` named none; only with `STRIPE_API_KEY`.
        public static let stripeRefunds = Parts(rawValue: 32)
        public static let serve: Parts = [.publicHTTP, .internalHTTP, .outboxWorker, .stripeRefunds]
        public static let watch: Parts = [.rates, .watcher]
        public static let all: Parts = [.publicHTTP, .internalHTTP, .outboxWorker, .stripeRefunds, .rates, .watcher]
    }

    /// Where the outbox delivers: the configured wallet, or our own internal listener.
    func walletBaseURL() -> String? {
        if let url = config.walletURL { return url }
        guard let port = addresses.internalPort else { return nil }
        let host = ["0.0.0.0", "::", "*"].contains(config.internalListen.host) ? "127.0.0.1" : config.internalListen.host
        return "http://\(ListenAddress(host: host, port: port))"
    }

    public var ratesRepository: RatesRepository { RatesRepository(database: database, settings: config.rates.book) }

    public var tickerSource: any TickerSource {
        CexTickerClient(baseURL: config.rates.baseURL, timeoutMillis: config.rates.timeoutMillis)
    }

    /// The pairs deposits may convert at: each asset into each wallet currency.
    public var ratePairs: [RatePair] { RatePair.needed(for: config.currencies.walletCurrencies) }

    public func makeRateService(source: (any TickerSource)? = nil) -> RateService {
        RateService(
            source: source ?? tickerSource, settings: config.rates, pairs: ratePairs, repository: ratesRepository, clock: clock,
            metrics: metrics, logger: logger.with(component: "rates")
        )
    }

    /// Before the rate service starts: every pair must exist on the exchange (USDT/USD only
    /// under the market policy). An exchange that cannot be reached now is not a reason to
    /// stop taking card payments: that is logged, and conversions wait for rates.
    public func checkRatePairs(timeout: Duration = .seconds(10)) async throws {
        guard !depositKeys.isEmpty else { return }
        let source = tickerSource
        let peg = config.rates.usdtPeg
        let needed = ratePairs
        do {
            let missing = try await withTimeout(timeout) { try await RateService.checkPairs(source: source, needed: needed, usdtPeg: peg) }
            if !missing.isEmpty {
                let names = missing.map { "\($0.rawValue) (needed by \($0.quote) accounts)" }.joined(separator: ", ")
                let hint = missing.contains(.usdtUSD) ? "; set USDT_USD_POLICY=peg to treat 1 USDT as 1 USD (recorded with every conversion)" : ""
                let key = missing.contains(.usdtUSD) ? "USDT_USD_POLICY" : missing.allSatisfy({ $0.quote != .usd }) ? "WALLET_CURRENCIES" : "CEXIO_BASE_URL"
                throw ConfigError(key: key, problem: "cex.io does not offer \(names)\(hint)")
            }
        } catch let error as ConfigError {
            throw error
        } catch {
            logger.warning("could not check cex.io pairs at startup; conversions wait until rates arrive", metadata: ["error": "\(error)"])
        }
    }

    public let addressBook: AddressBookHolder = AddressBookHolder()

    /// A chain's settings and description: Ethereum's, or Tron's (USDT-TRC20 only).
    func chainSetup(_ chain: Chain) -> (settings: GatewayConfig.ChainSettings, description: ChainDescription) {
        switch chain {
        case .ethereum:
            return (config.ethereum, .ethereum(config.ethereum))
        case .tron:
            return (config.tron, .tron(config.tron))
        }
    }

    /// Whether a chain is watched: its key and its endpoints are configured.
    public func watches(_ chain: Chain) -> Bool {
        depositKeys[chain] != nil && !chainSetup(chain).settings.rpcURLs.isEmpty
    }

    public func makeChainWatcher(chain: Chain = .ethereum, node: (any EthereumNode)? = nil) -> ChainWatcher {
        let (settings, description) = chainSetup(chain)
        let node = node ?? JSONRPCNode(client: JSONRPCClient(endpoints: settings.rpcURLs, timeoutMillis: settings.rpcTimeoutMillis))
        return ChainWatcher(
            node: node, chain: description, settings: settings, database: database,
            addressBook: addressBook.book(depositAddresses, chain: chain), rates: ratesRepository, clock: clock, metrics: metrics,
            logger: logger.with(component: "watcher").with(chain: chain)
        )
    }

    public func makeWatcherService(chain: Chain = .ethereum, node: (any EthereumNode)? = nil) -> WatcherService {
        WatcherService(
            watcher: makeChainWatcher(chain: chain, node: node), database: database, settings: chainSetup(chain).settings, clock: clock,
            metrics: metrics, logger: logger.with(component: "watcher").with(chain: chain)
        )
    }

    public func makeOutboxWorker(wallet: (any WalletDelivering)? = nil) -> OutboxWorker {
        let token = config.walletToken ?? internalTokens.first ?? Secret("")
        let client = wallet ?? HTTPWalletClient(
            baseURL: { [self] in walletBaseURL() }, token: token, timeoutMillis: config.outbox.requestTimeoutMillis
        )
        return OutboxWorker(
            outbox: outbox, wallet: client, settings: config.outbox, clock: clock, metrics: metrics,
            logger: logger.with(component: "outbox")
        )
    }

    /// Polls for charges whose refunds are to be listed; 2 s keeps a refund's debit close
    /// behind its `charge.refunded` without busy polling.
    static let refundFetchPollMillis: Int64 = 2_000

    public func makeRefundFetcher() -> StripeRefundFetcher? {
        guard let key = config.stripe.apiKey else { return nil }
        return StripeRefundFetcher(
            api: StripeAPIClient(baseURL: config.stripe.apiBase, key: key), database: database, ingest: stripeIngest, clock: clock,
            pollIntervalMillis: Self.refundFetchPollMillis, metrics: metrics, logger: logger.with(component: "stripe-refunds")
        )
    }

    /// The services of one process, in start order (they stop in reverse).
    /// - Parameter extraInternalRoutes: lets tests add a route (e.g. a deliberately slow one).
    public func services(
        _ parts: Parts, extraInternalRoutes: (@Sendable (Router<BasicRequestContext>) -> Void)? = nil
    ) -> [any Service] {
        var services: [any Service] = []
        if parts.contains(.internalHTTP) {
            let router = buildInternalRouter()
            extraInternalRoutes?(router)
            services.append(Application(
                router: router,
                configuration: .init(address: .hostname(config.internalListen.host, port: config.internalListen.port), serverName: nil),
                onServerRunning: { [addresses, logger] channel in
                    addresses.setInternal(channel.localAddress?.port)
                    logger.info("internal listener up", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                },
                logger: logger.with(component: "internal-http")
            ))
        }
        if parts.contains(.publicHTTP) {
            services.append(Application(
                router: buildPublicRouter(),
                configuration: .init(address: .hostname(config.publicListen.host, port: config.publicListen.port), serverName: nil),
                onServerRunning: { [addresses, logger] channel in
                    addresses.setPublic(channel.localAddress?.port)
                    logger.info("public listener up", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                },
                logger: logger.with(component: "public-http")
            ))
        }
        if parts.contains(.outboxWorker) {
            services.append(makeOutboxWorker())
        }
        if parts.contains(.stripeRefunds), let fetcher = makeRefundFetcher() {
            services.append(fetcher)
        }
        if parts.contains(.rates), !depositKeys.isEmpty {
            services.append(makeRateService())
        }
        // One watcher per configured chain, each with its own lease: they run in one process or
        // in several.
        for chain in Chain.allCases where parts.contains(.watcher) && watches(chain) {
            services.append(makeWatcherService(chain: chain))
        }
        return services
    }

    public func buildInternalRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: BearerAuthMiddleware(tokens: internalTokens))
        HealthRoutes(
            database: database, outbox: outbox, metrics: metrics, clock: clock,
            leases: Chain.allCases.filter(watches).map { chainSetup($0).description.leaseName }
                + (depositKeys.isEmpty ? [] : [RateService.leaseName]),
            rates: depositKeys.isEmpty ? nil : (ratesRepository, ratePairs)
        ).register(on: router)
        WalletRoutes(wallet: wallet, currencies: config.currencies.walletCurrencies, clock: clock, metrics: metrics).register(on: router)
        CardTopupRoutes(topups: cardTopups).register(on: router)
        ConsoleRoutes(gateway: self, operators: config.operatorTokens).register(on: router)
        depositAddressRoutes.register(on: router)
        registerDepositRoutes(on: router)
        return router
    }

    public func buildPublicRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        router.get("/healthz") { _, _ in JSONResponse.make(status: .ok, .object(["status": .string("ok")])) }
        StripeWebhookRoutes(settings: config.stripe, ingest: stripeIngest, clock: clock, metrics: metrics).register(on: router)
        return router
    }

    /// Runs the given parts until SIGTERM/SIGINT (or `ServiceGroup.triggerGracefulShutdown`):
    /// listeners stop accepting and finish requests in flight, workers finish their round.
    public func run(_ parts: Parts, extraInternalRoutes: (@Sendable (Router<BasicRequestContext>) -> Void)? = nil) async throws {
        let group = makeServiceGroup(parts, extraInternalRoutes: extraInternalRoutes, signals: [.sigterm, .sigint])
        try await group.run()
    }

    public func makeServiceGroup(
        _ parts: Parts, extraInternalRoutes: (@Sendable (Router<BasicRequestContext>) -> Void)? = nil,
        signals: [UnixSignal] = []
    ) -> ServiceGroup {
        ServiceGroup(configuration: .init(
            services: services(parts, extraInternalRoutes: extraInternalRoutes).map { .init(service: $0) },
            gracefulShutdownSignals: signals,
            logger: logger
        ))
    }
}

extension Logger {
    func with(component: String) -> Logger {
        var copy = self
        copy[metadataKey: "component"] = .string(component)
        return copy
    }

    /// Every line of a chain's watcher names the chain.
    func with(chain: Chain) -> Logger {
        var copy = self
        copy[metadataKey: "chain"] = .string(chain.rawValue)
        return copy
    }
}
