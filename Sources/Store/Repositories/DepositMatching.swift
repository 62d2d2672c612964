import GatewayCore

/// Which stored deposit a detected transfer is: the one rule the watcher's scan and
/// `reconcile chain` share. Pure; the caller loads the stored rows of the same transactions.
public enum DepositMatching {
    public enum Outcome: Sendable, Equatable {
        /// Never recorded: insert it (its identity and key may carry a variant, see below).
        case new(DepositRecord)
        /// The stored row with the same identity, recipient and amount.
        case known(DepositRecord)
        /// A stored row of the old format (no identity yet) of the same transaction, asset,
        /// recipient and amount: the same fact. It keeps its key and takes `identity`: the
        /// detected one, or its next variant when another fact already holds that identity.
        case adopted(DepositRecord, identity: String)
        /// The same identity appeared earlier in this batch.
        case repeated
    }

    /// - Parameter known: stored deposits of the detected transactions.
    public static func match(_ detected: [DepositRecord], known: [DepositRecord]) throws -> [Outcome] {
        var byTx: [String: [DepositRecord]] = [:]
        for row in known { byTx[row.txHash.lowercased(), default: []].append(row) }
        var adoptedKeys: Set<IdempotencyKey> = []
        var seen: Set<String> = []
        var inserted: [String: [DepositRecord]] = [:]
        return try detected.map { deposit in
            let rows = (byTx[deposit.txHash.lowercased()] ?? []) + (inserted[deposit.txHash.lowercased()] ?? [])
            guard let identity = deposit.identity else {
                // A record without identity (built by hand) is matched by its key.
                guard seen.insert("key " + deposit.key.rawValue).inserted else { return .repeated }
                return rows.first { $0.key == deposit.key }.map { .known($0) } ?? .new(deposit)
            }
            guard seen.insert(identity).inserted else { return .repeated }
            let sameFact = { (row: DepositRecord) in
                row.asset == deposit.asset && row.address == deposit.address && row.amountUnits == deposit.amountUnits
            }
            let variants = rows.filter { $0.identity != nil && base(of: $0) == identity }
            if let row = variants.first(where: sameFact) { return .known(row) }
            // Old-format rows of the same transfer: the old keys could record one transfer twice
            // (once per block position). Prefer the row in this very block, then a credited
            // one, then any other; an orphaned copy is never revived beside a credited one.
            let legacy = rows.filter { $0.identity == nil && !adoptedKeys.contains($0.key) && sameFact($0) }
            func rank(_ row: DepositRecord) -> Int {
                if row.blockHash == deposit.blockHash { return 0 }
                switch row.status {
                case .credited, .reorgedAfterCredit: return 1
                case .orphaned: return 3
                default: return 2
                }
            }
            if let row = legacy.min(by: { (rank($0), $0.logIndex) < (rank($1), $1.logIndex) }) {
                adoptedKeys.insert(row.key)
                // The identity is unique among stored rows: a different fact recorded under it
                // meanwhile (a re-inclusion that executed differently) keeps it, and this row
                // takes the next variant.
                var adopted = row
                adopted.identity = variants.isEmpty ? identity : KeyFormat.variant(of: identity, variants.count + 1)
                inserted[deposit.txHash.lowercased(), default: []].append(adopted)
                return .adopted(row, identity: adopted.identity ?? identity)
            }
            guard !variants.isEmpty else { return .new(deposit) }
            // The same transaction and position, another recipient or amount: a different fact
            // (a re-included transaction that executed differently). It never takes the old
            // row's credit: it gets the next variant of identity and key.
            var other = deposit
            let variant = variants.count + 1
            other.identity = KeyFormat.variant(of: identity, variant)
            other.key = try IdempotencyKey.variant(of: deposit.key, variant)
            other.reason = "re-included with another recipient or amount than \(variants[0].key)"
            inserted[deposit.txHash.lowercased(), default: []].append(other)
            return .new(other)
        }
    }

    /// An identity without its variant suffix.
    static func base(of row: DepositRecord) -> String {
        guard let identity = row.identity else { return "" }
        return identity.split(separator: "#", maxSplits: 1).first.map(String.init) ?? identity
    }
}
