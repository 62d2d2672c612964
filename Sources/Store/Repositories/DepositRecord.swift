import GatewayCore

/// A deposit row. Amounts are exact decimal text of the smallest unit.
public struct DepositRecord: Sendable, Equatable {
    public var key: String
    /// `chain:tx:asset:ordinal` (`IdempotencyKey.depositIdentity`); nil for a token row of the
    /// old format until its log is seen again.
    public var identity: String?
    public var chainID: UInt64
    public var txHash: String
    public var logIndex: Int64
    public var account: String
    public var address: String
    public var asset: String
    public var amountUnits: String
    public var blockNumber: UInt64
    public var blockHash: String
    public var status: DepositStatus
    public var reason: String?
    public var usdCents: Int64?
    public var exactUSD: String?
    public var ratePair: String?
    public var rateField: String?
    public var ratePrice: String?
    public var rateSource: String?
    public var rateFetchedAtMillis: Int64?
    public var seenAtMillis: Int64
    public var updatedAtMillis: Int64
    public var creditedAtMillis: Int64?

    public init(
        key: String, chainID: UInt64, txHash: String, logIndex: Int64, account: String, address: String, asset: String,
        amountUnits: String, blockNumber: UInt64, blockHash: String, status: DepositStatus, reason: String? = nil,
        seenAtMillis: Int64, identity: String? = nil
    ) {
        self.key = key
        self.identity = identity
        self.chainID = chainID
        self.txHash = txHash
        self.logIndex = logIndex
        self.account = account
        self.address = address
        self.asset = asset
        self.amountUnits = amountUnits
        self.blockNumber = blockNumber
        self.blockHash = blockHash
        self.status = status
        self.reason = reason
        self.seenAtMillis = seenAtMillis
        self.updatedAtMillis = seenAtMillis
    }
}
