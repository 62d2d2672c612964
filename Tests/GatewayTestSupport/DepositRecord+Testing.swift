import GatewayCore
import Store

extension DepositRecord {
    /// A deposit row from plain text, for tests that write rows by hand; parsed as the row
    /// mapper parses them.
    public init(
        key: String, chainID: UInt64, txHash: String, logIndex: Int64, account: String, address: String, asset: String,
        amountUnits: String, blockNumber: UInt64, blockHash: String, status: DepositStatus, reason: String? = nil,
        seenAtMillis: Int64, identity: String? = nil
    ) throws {
        guard let parsedAsset = Asset(rawValue: asset) else { throw DomainError(.invalidAmount, "unknown asset \(asset)") }
        self.init(
            key: try IdempotencyKey(key), chainID: chainID, txHash: txHash, logIndex: logIndex, account: try AccountID(account),
            address: address, amount: try TokenAmount(unitsText: Substring(amountUnits), asset: parsedAsset), blockNumber: blockNumber,
            blockHash: blockHash, status: status, reason: reason, seenAtMillis: seenAtMillis, identity: identity
        )
    }
}
