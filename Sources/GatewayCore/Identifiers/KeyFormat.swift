/// Every idempotency-key format, as text: the one place each is spelled. `IdempotencyKey`'s
/// builders validate these; the pure card machine, which keys its ledger by text and never
/// throws, uses them directly. A format, once a key of it may have reached the wallet, never
/// changes.
public enum KeyFormat {
    /// A Stripe object's own effect: `stripe:pi_…` (the credit), `stripe:re_…` (a refund's
    /// debit), `stripe:dp_…` (a dispute's debit).
    public static func stripe(_ object: String) -> String { "stripe:\(object)" }
    /// Longest Stripe id admitted; Stripe's are about 30 characters. With the longest suffix
    /// (`:reversal`) a key stays well inside `IdempotencyKey.maxLength`.
    public static let maxStripeIDLength = 100
    /// Whether a Stripe object id can name a key: 1–100 characters of `[A-Za-z0-9_]`, as every
    /// Stripe id is (`pi_3N…`, `re_…`, `du_…`).
    public static func isStripeID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maxStripeIDLength && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"): true
            default: false
            }
        }
    }
    /// A succeeded refund that later failed: what its debit took, given back.
    public static func stripeRefundFailed(_ refund: String) -> String { "\(stripe(refund)):failed" }
    /// A dispute won or reinstated: what its debit took, given back.
    public static func stripeDisputeReversal(_ dispute: String) -> String { "\(stripe(dispute)):reversal" }
    /// Version-1 bookkeeping of refunds debited under `…:refunds_to:N`; never sent to the wallet.
    public static func stripeLegacyRefundPool(_ paymentIntent: String) -> String { "\(stripe(paymentIntent)):refunds_to:*" }
    /// The prefix of payment credits, for reconciliation.
    public static let stripePaymentPrefix = "stripe:pi_"

    /// An operator's adjustment.
    public static func adjustment(_ id: String) -> String { "adj:\(id)" }
    /// The correction of a credit whose amount disagrees with Stripe's.
    public static func correction(of key: String) -> String { "\(key):correction" }

    /// A native-coin deposit: one per transaction (`-1`), the same format as ever.
    public static func nativeDeposit(chain: Chain = .ethereum, chainID: UInt64, txHash: String, logIndex: Int) -> String {
        "\(chain.keyPrefix):\(chainID):\(txHash.lowercased()):\(logIndex)"
    }
    /// A token deposit by its stable identity (`eth:1:0x…:usdt:0`, `tron:728126428:0x…:usdt:0`;
    /// `#n` for another fact at the same position).
    public static func tokenDeposit(
        chain: Chain = .ethereum, chainID: UInt64, txHash: String, asset: String, ordinal: Int, variant: Int = 1
    ) -> String {
        let key = "\(chain.keyPrefix):\(chainID):\(txHash.lowercased()):\(asset.lowercased()):\(ordinal)"
        return variant > 1 ? Self.variant(of: key, variant) : key
    }
    /// Another fact at a stored deposit's position (a re-inclusion that executed differently):
    /// its key or identity with `#n`, n ≥ 2.
    public static func variant(of keyOrIdentity: String, _ n: Int) -> String { "\(keyOrIdentity)#\(n)" }
    /// A deposit's identity on its chain, which re-observations match on (not a wallet key).
    public static func depositIdentity(chainID: UInt64, txHash: String, asset: String, ordinal: Int, variant: Int = 1) -> String {
        let identity = "\(chainID):\(txHash.lowercased()):\(asset.lowercased()):\(ordinal)"
        return variant > 1 ? Self.variant(of: identity, variant) : identity
    }

    /// What a deposit's departures from and returns to the canonical chain do.
    public enum Compensation: String, Sendable {
        case reversal, recredit
    }
    /// Epoch 1 is `<deposit key>:reversal` / `:recredit` (the keys written before epochs);
    /// epoch n > 1 appends `:n`.
    public static func compensation(of depositKey: String, _ kind: Compensation, epoch: Int) -> String {
        epoch == 1 ? "\(depositKey):\(kind.rawValue)" : "\(depositKey):\(kind.rawValue):\(epoch)"
    }
}
