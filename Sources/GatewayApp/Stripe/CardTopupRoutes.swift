import GatewayCore
import Hummingbird
import Store

/// `POST /v1/accounts/{id}/card-topups`: starts a card top-up and answers the Checkout URL.
struct CardTopupRoutes {
    /// The body is three fields.
    static let maxBodyBytes = 16 * 1024

    let topups: CardTopups

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/accounts/{id}/card-topups") { request, context in try await create(request, context) }
    }

    private func create(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let account = try WalletRoutes.accountID(context)
        guard let keyText = request.headers[.idempotencyKey] else {
            throw APIError(.badRequest, "missing_idempotency_key", "the Idempotency-Key header is required")
        }
        let key: IdempotencyKey
        do { key = try IdempotencyKey(keyText) } catch { throw APIError(.badRequest, "invalid_idempotency_key", error.message) }
        let body = try await JSONValue.parse(request.body.collect(upTo: Self.maxBodyBytes).readableBytesView)
        guard case .object = body else { throw APIError.invalidJSON("body must be a JSON object") }
        guard case .int(let amount)? = body["amount_minor"] else {
            throw APIError(.unprocessableContent, "invalid_amount", "amount_minor is required: an integer of the account currency's minor units")
        }
        guard let success = body["success_url"]?.stringValue, let cancel = body["cancel_url"]?.stringValue else {
            throw APIError(.unprocessableContent, "invalid_url", "success_url and cancel_url are required strings")
        }
        do {
            let topupRequest = try CardTopups.Request(account: account, callerKey: key, amountMinor: amount, successURL: success, cancelURL: cancel)
            switch try await topups.create(topupRequest) {
            case .created(let topup): return JSONResponse.make(status: .created, CardTopupViews.json(topup))
            case .replayed(let topup): return JSONResponse.make(status: .ok, CardTopupViews.json(topup))
            }
        } catch let error as CardTopupError {
            throw Self.apiError(error)
        }
    }

    static func apiError(_ error: CardTopupError) -> APIError {
        let status: HTTPResponse.Status = switch error.code {
        case .invalidAmount, .invalidURL, .currencyNotOffered, .amountOutOfRange, .stripeRefused: .unprocessableContent
        case .unknownAccount: .notFound
        case .idempotencyConflict: .conflict
        case .stripeNotConfigured, .stripeKeyRefused, .stripeUnavailable: .serviceUnavailable
        }
        return APIError(status, error.code.rawValue, error.message)
    }
}

/// The wire shape of a card top-up, shared by the API and `payments show`.
public enum CardTopupViews {
    public static func json(_ topup: CardTopup) -> JSONValue {
        .object([
            "id": .string(topup.sessionID),
            "object": .string("card_topup"),
            "account_id": .string(topup.account.rawValue),
            "url": topup.url.map(JSONValue.string) ?? .null,
            "expires_at": topup.expiresAtMillis.map { .string(Timestamp.rfc3339(millis: $0)) } ?? .null,
            "amount_minor": .int(topup.amount.minor),
            "currency": .string(topup.amount.currency.code),
            "status": .string(topup.status.rawValue),
            "payment_intent": topup.paymentIntent.map(JSONValue.string) ?? .null,
            "created_at": .string(Timestamp.rfc3339(millis: topup.createdAtMillis)),
        ])
    }
}
