/// A deterministic key naming one external fact's effect on the wallet.
///
/// Gateway keys are built from the external id (`stripe:pi_…`, `stripe:re_…`, `eth:1:0x…:7`), so
/// the same fact always produces the same key. Keys from the platform are accepted as given,
/// within limits.
public struct IdempotencyKey: Hashable, Sendable, CustomStringConvertible, Codable {
    /// Longest key accepted: room for `eth:{chain}:{66-char tx}:{log index}` and clients' UUIDs.
    public static let maxLength = 200

    public let rawValue: String

    public init(_ raw: String) throws(DomainError) {
        guard !raw.isEmpty, raw.utf8.count <= Self.maxLength else {
            throw DomainError(.invalidIdempotencyKey, "idempotency key must be 1–\(Self.maxLength) characters")
        }
        // Printable ASCII only: keys travel in HTTP headers and log lines.
        guard raw.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw DomainError(.invalidIdempotencyKey, "idempotency key must be printable ASCII without spaces")
        }
        self.rawValue = raw
    }

    public var description: String { rawValue }

    /// A key the payment state machine builds from Stripe ids: `stripe:<id>` with an optional
    /// `:failed` or `:reversal`. The Stripe module admits only ids of 1–`KeyFormat.maxStripeIDLength`
    /// characters of `[A-Za-z0-9_]` (`KeyFormat.isStripeID`), so these keys are valid by
    /// construction and the machine needs no error path for them.
    init(stripeEffect raw: String) {
        self.rawValue = raw
    }

    public static func stripePayment(_ paymentIntent: String) throws(DomainError) -> Self { try Self(KeyFormat.stripe(paymentIntent)) }
    public static func stripeRefund(_ refund: String) throws(DomainError) -> Self { try Self(KeyFormat.stripe(refund)) }
    /// A dispute debits once and may credit back once; the two effects need distinct keys.
    public static func stripeDispute(_ dispute: String, reversal: Bool) throws(DomainError) -> Self {
        try Self(reversal ? KeyFormat.stripeDisputeReversal(dispute) : KeyFormat.stripe(dispute))
    }
    /// A native-coin deposit: one per transaction (`-1`), the same format as ever.
    public static func nativeDeposit(chain: Chain = .ethereum, chainID: UInt64, txHash: String, logIndex: Int) throws(DomainError) -> Self {
        try Self(KeyFormat.nativeDeposit(chain: chain, chainID: chainID, txHash: txHash, logIndex: logIndex))
    }

    /// A token deposit by its stable identity: the asset and the transfer's position among its
    /// transaction's Transfer logs of the token contract (`eth:1:0x…:usdt:0`). Keys written
    /// before carried the block-wide log index (`eth:1:0x…:7`); those rows keep them.
    /// `variant` > 1 marks a re-included log whose amount or recipient differs: another fact.
    public static func tokenDeposit(
        chain: Chain = .ethereum, chainID: UInt64, txHash: String, asset: String, ordinal: Int, variant: Int = 1
    ) throws(DomainError) -> Self {
        try Self(KeyFormat.tokenDeposit(chain: chain, chainID: chainID, txHash: txHash, asset: asset, ordinal: ordinal, variant: variant))
    }

    /// A deposit's identity on its chain, which re-observations match on.
    public static func depositIdentity(chainID: UInt64, txHash: String, asset: String, ordinal: Int, variant: Int = 1) -> String {
        KeyFormat.depositIdentity(chainID: chainID, txHash: txHash, asset: asset, ordinal: ordinal, variant: variant)
    }

    /// A reversal or re-credit of a deposit's credit, in its epoch.
    public static func compensation(of depositKey: String, _ kind: KeyFormat.Compensation, epoch: Int) throws(DomainError) -> Self {
        try Self(KeyFormat.compensation(of: depositKey, kind, epoch: epoch))
    }

    /// Another fact at a stored deposit's position: the key with `#n`.
    public static func variant(of key: IdempotencyKey, _ n: Int) throws(DomainError) -> Self { try Self(KeyFormat.variant(of: key.rawValue, n)) }

    /// An operator's adjustment.
    public static func adjustment(_ id: String) throws(DomainError) -> Self { try Self(KeyFormat.adjustment(id)) }

    /// The correction of a credit whose amount disagrees with its source.
    public static func correction(of key: IdempotencyKey) throws(DomainError) -> Self { try Self(KeyFormat.correction(of: key.rawValue)) }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { self = try IdempotencyKey(raw) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
