import GatewayCore

/// One account's deposit address on one chain: derived from that chain's configured xpub at
/// `index`, forever.
public struct DepositAddressRecord: Sendable, Equatable {
    public let account: AccountID
    public let chain: Chain
    /// Which extended public key it derives from (see `DepositAddressStore.keyID`).
    public let keyID: String
    public let index: UInt32
    /// The 20-byte account id as lowercase `0x…` hex, on every chain (Tron's JSON-RPC writes it
    /// so too); the store compares and indexes this form. People see the chain's own form.
    public let address: String
    public let createdAtMillis: Int64
}

/// Address assignment: the next free index of the chain's current key, atomically, once per
/// account and chain.
public struct DepositAddressStore: Sendable {
    /// Names the PostgreSQL advisory lock that serializes index allocation.
    static let assignmentLockID: Int64 = 0x6164_6472_6573_73  // "address"
    /// Settings key holding a chain's configured xpub (public data) the store was set up with;
    /// Ethereum's keeps the name it always had.
    public static func xpubSettingKey(_ chain: Chain) -> String { chain == .ethereum ? "eth_xpub" : "\(chain.rawValue)_xpub" }

    public let database: any Database

    public init(database: any Database) { self.database = database }

    public enum AssignResult: Sendable, Equatable {
        case existing(DepositAddressRecord)
        case assigned(DepositAddressRecord)
        case unknownAccount
    }

    /// Returns the account's address on `chain`, assigning the next free index of `keyID` if it
    /// has none.
    ///
    /// - Parameter derive: the address at an index (lowercase hex), or nil when BIP32 says the
    ///   index has no key; that index is then skipped, never handed out.
    public func assign(
        _ account: AccountID, chain: Chain, keyID: String, now: Int64, derive: @Sendable (UInt32) throws -> String?
    ) async throws -> AssignResult {
        try await database.transaction { db in
            if db.dialect == .postgres {
                try await db.query("SELECT pg_advisory_xact_lock($1)", [.int(Self.assignmentLockID)])
            }
            if let existing = try await Self.record(account, chain: chain, db) { return .existing(existing) }
            guard try await WalletStore.account(account, db) != nil else { return .unknownAccount }
            let maxRow = try await db.queryOne(
                "SELECT CAST(MAX(address_index) AS BIGINT) AS max_index FROM deposit_addresses WHERE key_id = $1", [.text(keyID)]
            )
            var index = UInt32((try maxRow?.optionalInt("max_index")).map { $0 + 1 } ?? 0)
            // BIP32: an index whose key is invalid is skipped (odds below 2^-127 per index).
            var address = try derive(index)
            while address == nil {
                index += 1
                address = try derive(index)
            }
            guard let address else { throw StoreError.decoding("no address derived") }
            try await db.query(
                """
                INSERT INTO deposit_addresses (account_id, chain, key_id, address_index, address, created_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                """,
                [.text(account.rawValue), .text(chain.rawValue), .text(keyID), .int(Int64(index)), .text(address), .int(now)]
            )
            return .assigned(DepositAddressRecord(account: account, chain: chain, keyID: keyID, index: index, address: address, createdAtMillis: now))
        }
    }

    public func record(for account: AccountID, chain: Chain) async throws -> DepositAddressRecord? {
        try await database.transaction { db in try await Self.record(account, chain: chain, db) }
    }

    /// The account's addresses on every chain it has one, in the order they were assigned.
    public func records(for account: AccountID) async throws -> [DepositAddressRecord] {
        try await database.transaction { db in
            try await db.query("SELECT \(Self.columns) FROM deposit_addresses WHERE account_id = $1 ORDER BY id", [.text(account.rawValue)])
                .map(Self.record)
        }
    }

    /// Owners of many addresses in one transaction (the watcher resolves a scan step's
    /// deposits at once). Addresses without a row are absent from the answer.
    public func accounts(addresses: [String], chain: Chain) async throws -> [String: AccountID] {
        let unique = Array(Set(addresses.map { $0.lowercased() }))
        guard !unique.isEmpty else { return [:] }
        return try await database.transaction { db in
            var owners: [String: AccountID] = [:]
            for row in try await SQLInList.rows(
                "SELECT address, account_id FROM deposit_addresses WHERE chain = '\(chain.rawValue)' AND address IN",
                keys: unique.map(SQLValue.text), db
            ) {
                owners[try row.text("address")] = try AccountID(try row.text("account_id"))
            }
            return owners
        }
    }

    /// Every address in insertion order, a page at a time: the watcher's address book loads
    /// through this, and refreshes with `afterRowID` to pick up only new ones.
    public func page(chain: Chain, afterRowID: Int64, limit: Int) async throws -> [(rowID: Int64, address: String)] {
        try await database.transaction { db in
            try await db.query(
                "SELECT id, address FROM deposit_addresses WHERE chain = $1 AND id > $2 ORDER BY id LIMIT $3",
                [.text(chain.rawValue), .int(afterRowID), .int(Int64(limit))]
            ).map { (try $0.int("id"), try $0.text("address")) }
        }
    }

    public func count(chain: Chain) async throws -> Int {
        try await database.transaction { db in
            Int(try await db.queryOne("SELECT COUNT(*) AS n FROM deposit_addresses WHERE chain = $1", [.text(chain.rawValue)])?.int("n") ?? 0)
        }
    }

    static let columns = "account_id, chain, key_id, address_index, address, created_at"

    static func record(_ account: AccountID, chain: Chain, _ db: any SQLExecutor) async throws -> DepositAddressRecord? {
        try await db.queryOne(
            "SELECT \(columns) FROM deposit_addresses WHERE account_id = $1 AND chain = $2", [.text(account.rawValue), .text(chain.rawValue)]
        ).map(record)
    }

    static func record(_ row: SQLRow) throws -> DepositAddressRecord {
        DepositAddressRecord(
            account: try AccountID(try row.text("account_id")),
            chain: try Self.chain(try row.text("chain")),
            keyID: try row.text("key_id"),
            index: UInt32(try row.int("address_index")),
            address: try row.text("address"),
            createdAtMillis: try row.int("created_at")
        )
    }

    static func chain(_ text: String) throws -> Chain {
        guard let chain = Chain(rawValue: text) else { throw StoreError.decoding("unknown chain \(text)") }
        return chain
    }
}
