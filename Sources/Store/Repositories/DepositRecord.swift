import GatewayCore

/// A deposit row, typed: its key, account, asset and amount are parsed once, by the detector
/// from the node or by the row mapper from the store, and travel typed to the outbox.
public struct DepositRecord: Sendable, Equatable {
    public var key: IdempotencyKey
    /// `chain:tx:asset:ordinal` (`IdempotencyKey.depositIdentity`); nil for a token row of the
    /// old format until its log is seen again.
    public var identity: String?
    public var chainID: UInt64
    public var txHash: String
    public var logIndex: Int64
    public var account: AccountID
    public var address: String
    /// In the asset's smallest unit; zero for a parked transfer beyond 128 bits.
    public var amount: TokenAmount
    public var blockNumber: UInt64
    public var blockHash: String
    public var status: DepositStatus
    public var reason: String?
    /// The credit in minor units of `creditCurrency` (the account's), and the exact value.
    public var creditMinor: Int64?
    public var exactValue: String?
    /// Nil on rows credited before currencies: those were USD.
    public var creditCurrency: Currency?
    public var ratePair: String?
    public var rateField: String?
    public var ratePrice: String?
    public var rateSource: String?
    public var rateFetchedAtMillis: Int64?
    public var seenAtMillis: Int64
    public var updatedAtMillis: Int64
    public var creditedAtMillis: Int64?

    public init(
        key: IdempotencyKey, chainID: UInt64, txHash: String, logIndex: Int64, account: AccountID, address: String,
        amount: TokenAmount, blockNumber: UInt64, blockHash: String, status: DepositStatus, reason: String? = nil,
        seenAtMillis: Int64, identity: String? = nil
    ) {
        self.key = key
        self.identity = identity
        self.chainID = chainID
        self.txHash = txHash
        self.logIndex = logIndex
        self.account = account
        self.address = address
        self.amount = amount
        self.blockNumber = blockNumber
        self.blockHash = blockHash
        self.status = status
        self.reason = reason
        self.seenAtMillis = seenAtMillis
        self.updatedAtMillis = seenAtMillis
    }

    public var asset: Asset { amount.asset }
    /// The chain the deposit is on, as its key names it (`eth:` or `tron:`); every deposit key
    /// carries one, so the row mapper refuses a row without it.
    public var chain: Chain { Chain(depositKey: key.rawValue) ?? .ethereum }
    /// What the wallet was credited, in the account's currency.
    public var credit: Money? { creditMinor.map { Money($0, creditCurrency ?? .usd) } }
    /// Exact decimal text of the smallest unit, as stored and shown.
    public var amountUnits: String { amount.unitsText }
}
