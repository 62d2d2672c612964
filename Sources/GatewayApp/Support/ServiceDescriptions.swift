/// ServiceLifecycle logs each service's description at debug level when it starts and stops.
/// The default one prints every stored property, node URLs (which carry provider API keys)
/// included; these name the service and nothing else.
extension WatcherService: CustomStringConvertible {
    public var description: String { "WatcherService" }
}

extension RateService: CustomStringConvertible {
    public var description: String { "RateService" }
}

extension OutboxWorker: CustomStringConvertible {
    public var description: String { "OutboxWorker" }
}

extension StripeRefundFetcher: CustomStringConvertible {
    public var description: String { "StripeRefundFetcher" }
}
