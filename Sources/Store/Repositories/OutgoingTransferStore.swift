/// Money that left a deposit address (a sweep, or anything signed elsewhere), as the watcher
/// saw it. Amounts are exact decimal text; for ETH the fee is kept apart from the value.
public struct OutgoingTransfer: Sendable, Equatable {
    public var chainID: UInt64
    public var txHash: String
    /// -1 for the ETH value of a transaction; the log index for a token transfer.
    public var logIndex: Int64
    public var address: String
    public var asset: String
    public var amountUnits: String
    public var feeUnits: String
    public var blockNumber: UInt64
    public var blockHash: String

    public init(
        chainID: UInt64, txHash: String, logIndex: Int64, address: String, asset: String, amountUnits: String,
        feeUnits: String, blockNumber: UInt64, blockHash: String
    ) {
        self.chainID = chainID
        self.txHash = txHash
        self.logIndex = logIndex
        self.address = address
        self.asset = asset
        self.amountUnits = amountUnits
        self.feeUnits = feeUnits
        self.blockNumber = blockNumber
        self.blockHash = blockHash
    }
}

public enum OutgoingTransferStore {
    /// Records a transfer once; seeing it again (a rescan) changes nothing.
    public static func record(_ transfer: OutgoingTransfer, now: Int64, _ db: any SQLExecutor) async throws {
        try await db.query(
            """
            INSERT INTO outgoing_transfers (chain_id, tx_hash, log_index, address, asset, amount_units, fee_units,
                block_number, block_hash, seen_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (chain_id, tx_hash, log_index) DO UPDATE SET block_number = excluded.block_number,
                block_hash = excluded.block_hash
            """,
            [
                .int(Int64(transfer.chainID)), .text(transfer.txHash), .int(transfer.logIndex), .text(transfer.address),
                .text(transfer.asset), .text(transfer.amountUnits), .text(transfer.feeUnits), .int(Int64(transfer.blockNumber)),
                .text(transfer.blockHash), .int(now),
            ]
        )
    }

    /// A reorg: transfers above the fork are forgotten; the rescan records the canonical ones.
    public static func forget(chainID: UInt64, above forkBlock: UInt64, _ db: any SQLExecutor) async throws {
        try await db.query(
            "DELETE FROM outgoing_transfers WHERE chain_id = $1 AND block_number > $2", [.int(Int64(chainID)), .int(Int64(forkBlock))]
        )
    }

    public static func fromAddress(_ address: String, chainID: UInt64, maxBlock: UInt64, _ db: any SQLExecutor) async throws -> [OutgoingTransfer] {
        try await db.query(
            """
            SELECT chain_id, tx_hash, log_index, address, asset, amount_units, fee_units, block_number, block_hash
            FROM outgoing_transfers WHERE chain_id = $1 AND address = $2 AND block_number <= $3 ORDER BY block_number, id
            """,
            [.int(Int64(chainID)), .text(address), .int(Int64(maxBlock))]
        ).map { row in
            OutgoingTransfer(
                chainID: UInt64(try row.int("chain_id")), txHash: try row.text("tx_hash"), logIndex: try row.int("log_index"),
                address: try row.text("address"), asset: try row.text("asset"), amountUnits: try row.text("amount_units"),
                feeUnits: try row.text("fee_units"), blockNumber: UInt64(try row.int("block_number")),
                blockHash: try row.text("block_hash")
            )
        }
    }

    public static func activeAddresses(chainID: UInt64, _ db: any SQLExecutor) async throws -> Set<String> {
        Set(try await db.query(
            "SELECT DISTINCT address FROM outgoing_transfers WHERE chain_id = $1", [.int(Int64(chainID))]
        ).map { try $0.text("address") })
    }
}
