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
}
