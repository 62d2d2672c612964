/// The chains deposits arrive on. Each has its own deposit addresses, watcher, lease, keys
/// and metrics label.
public enum Chain: String, Sendable, Hashable, CaseIterable, Codable {
    case ethereum
    case tron

    /// The first part of this chain's deposit keys: `eth` (as ever) and `tron`.
    public var keyPrefix: String {
        switch self {
        case .ethereum: "eth"
        case .tron: "tron"
        }
    }

    /// The prefix of this chain's configuration keys (`ETH_XPUB`, `TRON_RPC_URL`, …).
    public var configPrefix: String {
        switch self {
        case .ethereum: "ETH"
        case .tron: "TRON"
        }
    }

    /// The chain a deposit key names by its prefix; nil for a key that is not a deposit's.
    public init?(depositKey: String) {
        guard let prefix = depositKey.split(separator: ":", maxSplits: 1).first,
              let chain = Self.allCases.first(where: { $0.keyPrefix == prefix }) else { return nil }
        self = chain
    }
}
