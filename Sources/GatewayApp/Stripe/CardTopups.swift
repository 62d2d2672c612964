import Crypto
import Foundation
import GatewayCore
import Store

/// Card top-ups the gateway starts: a Stripe Checkout Session for an account, in its currency,
/// carrying exactly the metadata the webhook later resolves the account from
/// (`payment_intent_data.metadata.account_id`, `client_reference_id`, `metadata.account_id`).
public struct CardTopups: Sendable {
    /// Longest return URL accepted; Stripe takes up to 5,000 characters, a real one is far
    /// shorter, and it is stored with the top-up.
    public static let maxURLLength = 2_048

    let database: any Database
    /// Nil without `STRIPE_API_KEY`: top-ups answer 503.
    let api: StripeAPIClient?
    let settings: CurrencySettings
    let productName: String
    let livemode: Bool
    let clock: WallClock

    public init(
        database: any Database, api: StripeAPIClient?, settings: CurrencySettings, productName: String, livemode: Bool, clock: WallClock
    ) {
        self.database = database
        self.api = api
        self.settings = settings
        self.productName = productName
        self.livemode = livemode
        self.clock = clock
    }

    /// A validated top-up request.
    public struct Request: Sendable, Equatable {
        public let account: AccountID
        public let callerKey: IdempotencyKey
        public let amountMinor: Int64
        public let successURL: String
        public let cancelURL: String

        public init(account: AccountID, callerKey: IdempotencyKey, amountMinor: Int64, successURL: String, cancelURL: String) throws(CardTopupError) {
            guard amountMinor > 0 else { throw CardTopupError(.invalidAmount, "amount_minor must be a positive integer of minor units") }
            for (name, url) in [("success_url", successURL), ("cancel_url", cancelURL)] {
                guard url.hasPrefix("https://") || url.hasPrefix("http://"), url.utf8.count <= CardTopups.maxURLLength,
                      URL(string: url)?.host?.isEmpty == false else {
                    throw CardTopupError(.invalidURL, "\(name) must be an absolute http(s) URL of at most \(CardTopups.maxURLLength) characters")
                }
            }
            self.account = account
            self.callerKey = callerKey
            self.amountMinor = amountMinor
            self.successURL = successURL
            self.cancelURL = cancelURL
        }

        /// What makes two requests under one key the same request.
        var hash: String {
            let canonical = JSONValue.array([
                .string("topup-v1"), .string(account.rawValue), .int(amountMinor), .string(successURL), .string(cancelURL),
            ]).canonicalText
            return Digest.sha256Hex(canonical)
        }

        /// The key Stripe sees: derived from the account and the caller's key, so a retry after
        /// a lost answer gets the same session from Stripe instead of a second one, and two
        /// accounts' keys never collide. Hashed to stay inside Stripe's 255 characters.
        var stripeIdempotencyKey: String {
            "gateway-topup-" + Digest.sha256Hex("\(account.rawValue)\u{0}\(callerKey.rawValue)")
        }
    }

    public enum Outcome: Sendable, Equatable {
        case created(CardTopup)
        /// The same request under the same key, answered before: the same session, no call to Stripe.
        case replayed(CardTopup)
    }

    public func create(_ request: Request) async throws -> Outcome {
        guard let account = try await WalletStore(database: database).account(request.account) else {
            throw CardTopupError(.unknownAccount, "no account \(request.account)")
        }
        let store = CardTopupStore(database: database)
        // A replay answers what was created, even if the limits changed since.
        if let existing = try await store.find(account: request.account, callerKey: request.callerKey) {
            return try Self.replay(existing, request)
        }
        let currency = account.currency
        guard let limits = settings.topupLimits[currency] else {
            throw CardTopupError(.currencyNotOffered, "card top-ups are not offered in \(currency) (CARD_TOPUP_LIMITS has no \(currency) entry)")
        }
        guard limits.contains(request.amountMinor) else {
            throw CardTopupError(
                .amountOutOfRange,
                "amount_minor must be from \(limits.lowerBound) to \(limits.upperBound) (\(Money(limits.lowerBound, currency)) to \(Money(limits.upperBound, currency)))"
            )
        }
        guard let api else {
            throw CardTopupError(.stripeNotConfigured, "card top-ups need STRIPE_API_KEY (Checkout Sessions: write)")
        }
        let answer: StripeAPIClient.Answer
        do {
            answer = try await api.postForm("/v1/checkout/sessions", form: form(request, currency: currency), idempotencyKey: request.stripeIdempotencyKey)
        } catch {
            throw CardTopupError(.stripeUnavailable, "Stripe did not answer; try again with the same Idempotency-Key")
        }
        let session = try Self.session(from: answer, amount: request.amountMinor, currency: currency)
        // A live key with STRIPE_LIVEMODE=false (or the reverse) would charge customers whose
        // events then park as livemode_mismatch, never credited: refuse to hand out the session.
        guard session.livemode == livemode else {
            throw CardTopupError(
                .stripeKeyRefused,
                "STRIPE_API_KEY created a \(session.livemode ? "live" : "test")-mode session but STRIPE_LIVEMODE is \(livemode); "
                    + "the session \(session.id) is not handed out"
            )
        }
        let now = clock.nowMillis()
        let (stored, inserted) = try await store.insert(CardTopup(
            account: request.account, callerKey: request.callerKey, requestHash: request.hash, amount: Money(request.amountMinor, currency),
            sessionID: session.id, url: session.url, expiresAtMillis: session.expiresAt.map { $0 * 1000 }, livemode: session.livemode,
            createdAtMillis: now, updatedAtMillis: now
        ))
        return inserted ? .created(stored) : try Self.replay(stored, request)
    }

    static func replay(_ existing: CardTopup, _ request: Request) throws(CardTopupError) -> Outcome {
        guard existing.requestHash == request.hash, existing.account == request.account, existing.callerKey == request.callerKey else {
            throw CardTopupError(.idempotencyConflict, "Idempotency-Key was already used for another top-up request (session \(existing.sessionID))")
        }
        return .replayed(existing)
    }

    /// The Checkout Session's parameters, in the order Stripe documents them.
    func form(_ request: Request, currency: Currency) -> [(String, String)] {
        [
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", currency.stripeCode),
            ("line_items[0][price_data][unit_amount]", String(request.amountMinor)),
            ("line_items[0][price_data][product_data][name]", productName),
            ("line_items[0][quantity]", "1"),
            ("success_url", request.successURL),
            ("cancel_url", request.cancelURL),
            ("client_reference_id", request.account.rawValue),
            ("metadata[account_id]", request.account.rawValue),
            ("payment_intent_data[metadata][account_id]", request.account.rawValue),
        ]
    }

    struct Session {
        let id: String
        let url: String?
        let expiresAt: Int64?
        let livemode: Bool
    }

    /// Stripe's answer, mapped: a session on 200; otherwise what the caller can do about it.
    static func session(from answer: StripeAPIClient.Answer, amount: Int64, currency: Currency) throws(CardTopupError) -> Session {
        let message = answer.errorMessage.map { ": \($0)" } ?? ""
        switch answer.status {
        case 200:
            guard let body = answer.body, body["object"]?.stringValue == "checkout.session", let id = body["id"]?.stringValue,
                  KeyFormat.isStripeID(id) else {
                throw CardTopupError(.stripeUnavailable, "Stripe answered 200 without a Checkout Session")
            }
            // A session for another amount would be a bug on one side; never hand it out.
            guard body["amount_total"]?.intValue == amount, body["currency"]?.stringValue == currency.stripeCode else {
                throw CardTopupError(.stripeUnavailable, "Stripe's session \(id) is not for \(Money(amount, currency)); not handed out")
            }
            guard let livemode = body["livemode"]?.boolValue else {
                throw CardTopupError(.stripeUnavailable, "Stripe's session \(id) does not say its mode (livemode); not handed out")
            }
            return Session(id: id, url: body["url"]?.stringValue, expiresAt: body["expires_at"]?.intValue, livemode: livemode)
        case 400 where answer.body?["error"]?["type"]?.stringValue == "idempotency_error":
            // The same key with another request reached Stripe before the first was recorded.
            throw CardTopupError(.idempotencyConflict, "Idempotency-Key was already used for another top-up request\(message)")
        case 400, 402:
            throw CardTopupError(.stripeRefused, "Stripe refused the Checkout Session\(message)")
        case 401, 403:
            throw CardTopupError(.stripeKeyRefused, "STRIPE_API_KEY cannot create Checkout Sessions (\(answer.status))\(message); it needs Checkout Sessions: write")
        default:
            throw CardTopupError(.stripeUnavailable, "Stripe answered \(answer.status)\(message); try again with the same Idempotency-Key")
        }
    }
}

/// Why a top-up was not created. Nothing is recorded for any of these.
public struct CardTopupError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidAmount = "invalid_amount"
        case invalidURL = "invalid_url"
        case unknownAccount = "account_not_found"
        case currencyNotOffered = "currency_not_offered"
        case amountOutOfRange = "amount_out_of_range"
        case idempotencyConflict = "idempotency_conflict"
        case stripeNotConfigured = "stripe_not_configured"
        /// Stripe refused the request itself (400, 402): retrying the same request will not help.
        case stripeRefused = "stripe_refused"
        /// The key lacks the permission (401, 403): an operator must fix the configuration.
        case stripeKeyRefused = "stripe_key_refused"
        /// Rate-limited, a 5xx, or no answer: retry with the same key.
        case stripeUnavailable = "stripe_unavailable"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
