import Ethereum
import GatewayCore
import Store
import Synchronization

/// Every deposit address, as a set of 20-byte values (24-byte stride, no heap object per
/// address), refreshed incrementally: each refresh reads only rows added since the last.
/// A million addresses take tens of MB; a lookup is one hash.
public final class AddressBook: Sendable {
    /// Rows read per query while loading.
    static let pageSize = 10_000

    private struct State {
        var addresses: Set<EthereumAddress> = []
        var lastRowID: Int64 = 0
    }

    private let state = Mutex(State())
    private let store: DepositAddressStore
    /// Whose addresses: each chain's watcher has its own book.
    public let chain: Chain

    public init(store: DepositAddressStore, chain: Chain) {
        self.store = store
        self.chain = chain
    }

    public var count: Int { state.withLock { $0.addresses.count } }

    public func contains(_ address: EthereumAddress) -> Bool { state.withLock { $0.addresses.contains(address) } }

    /// Loads addresses added since the last refresh.
    public func refresh() async throws {
        while true {
            let after = state.withLock { $0.lastRowID }
            let page = try await store.page(chain: chain, afterRowID: after, limit: Self.pageSize)
            guard let last = page.last else { return }
            let parsed = page.compactMap { try? EthereumAddress(hex: $0.address) }
            state.withLock { state in
                state.addresses.formUnion(parsed)
                state.lastRowID = last.rowID
            }
            if page.count < Self.pageSize { return }
        }
    }
}

/// One address book per chain and gateway, created on first use, so every watcher step and
/// test share it.
public final class AddressBookHolder: Sendable {
    private let held = Mutex<[Chain: AddressBook]>([:])

    public init() {}

    func book(_ store: DepositAddressStore, chain: Chain) -> AddressBook {
        held.withLock { held in
            if let book = held[chain] { return book }
            let book = AddressBook(store: store, chain: chain)
            held[chain] = book
            return book
        }
    }
}
