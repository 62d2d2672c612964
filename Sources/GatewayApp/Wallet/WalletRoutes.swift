import GatewayCore
import HTTPTypes
import Hummingbird
import Logging
import Store

/// The internal wallet API: accounts, credits, debits, history.
struct WalletRoutes {
    /// Largest request body on the wallet API; entries are small, details a few fields.
    static let maxBodyBytes = 64 * 1024
    /// History page size bounds.
    static let maxPageSize = 100
    static let defaultPageSize = 20

    let wallet: WalletStore
    /// `WALLET_CURRENCIES`: what a new account may hold.
    let currencies: Set<Currency>
    let clock: WallClock
    let metrics: GatewayMetrics

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/accounts") { request, context in try await createAccount(request, context) }
        router.get("/v1/accounts/{id}") { _, context in try await showAccount(context) }
        router.post("/v1/accounts/{id}/credits") { request, context in try await post(request, context, .credit) }
        router.post("/v1/accounts/{id}/debits") { request, context in try await post(request, context, .debit) }
        router.get("/v1/accounts/{id}/transactions") { request, context in try await history(request, context) }
    }

    private func createAccount(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await JSONValue.parse(request.body.collect(upTo: Self.maxBodyBytes).readableBytesView)
        guard case .object = body else { throw APIError.invalidJSON("body must be a JSON object") }
        guard let idText = body["id"]?.stringValue else {
            throw APIError(.unprocessableContent, "invalid_account_id", "id is required and must be a string")
        }
        let id: AccountID
        do { id = try AccountID(idText) } catch {
            throw APIError(.unprocessableContent, "invalid_account_id", error.message)
        }
        var currency = Currency.usd
        if let value = body["currency"] {
            guard let text = value.stringValue else {
                throw APIError(.unprocessableContent, "invalid_currency", "currency must be a string such as \"USD\"")
            }
            do { currency = try Currency(text) } catch { throw APIError(.unprocessableContent, "invalid_currency", error.message) }
        }
        guard currencies.contains(currency) else {
            throw APIError(.unprocessableContent, "unsupported_currency",
                           "accounts may hold \(currencies.sorted().map(\.code).joined(separator: ", ")) (WALLET_CURRENCIES), not \(currency)")
        }
        let (account, created) = try await wallet.createAccount(id, currency: currency, now: clock.nowMillis())
        // Currency is chosen once: the same id asked for in another currency is a conflict,
        // never a silent second meaning.
        guard account.currency == currency else {
            throw APIError(.conflict, "currency_conflict", "account \(id) exists and holds \(account.currency), not \(currency)")
        }
        return JSONResponse.make(status: created ? .created : .ok, WalletJSON.account(account))
    }

    private func showAccount(_ context: BasicRequestContext) async throws -> Response {
        let id = try Self.accountID(context)
        guard let account = try await wallet.account(id) else { throw Self.unknownAccount(id) }
        return JSONResponse.make(status: .ok, WalletJSON.account(account))
    }

    private func post(_ request: Request, _ context: BasicRequestContext, _ direction: Direction) async throws -> Response {
        let id = try Self.accountID(context)
        guard let keyText = request.headers[.idempotencyKey] else {
            throw APIError(.badRequest, "missing_idempotency_key", "the Idempotency-Key header is required")
        }
        let key: IdempotencyKey
        do { key = try IdempotencyKey(keyText) } catch {
            throw APIError(.badRequest, "invalid_idempotency_key", error.message)
        }
        let body = try await JSONValue.parse(request.body.collect(upTo: Self.maxBodyBytes).readableBytesView)
        let post = try LedgerPost.parse(body: body, account: id, key: key, direction: direction)
        let result = try await wallet.post(post, now: clock.nowMillis())
        metrics.walletPosts(result)
        switch result {
        case .created(let entry):
            return JSONResponse.make(status: .created, WalletJSON.entry(entry))
        case .replayed(let entry):
            return JSONResponse.make(status: .ok, WalletJSON.entry(entry))
        case .idempotencyConflict(let existing):
            throw APIError(.conflict, "idempotency_conflict",
                           "Idempotency-Key was already used with a different request (entry \(existing.publicID))")
        case .unknownAccount:
            throw Self.unknownAccount(id)
        case .currencyMismatch(let held, let requested):
            throw APIError(.unprocessableContent, "currency_mismatch", "account \(id) holds \(held); the request is in \(requested)")
        case .insufficientFunds(let balance):
            throw APIError(.conflict, "insufficient_funds",
                           "debit of \(Money(post.amount.value, balance.currency)) exceeds the balance of \(balance)")
        case .overflow:
            throw APIError(.unprocessableContent, "amount_overflow", "the balance would overflow")
        }
    }

    private func history(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try Self.accountID(context)
        let limit: Int
        if let text = request.uri.queryParameters.get("limit") {
            guard let value = Int(text), (1...Self.maxPageSize).contains(value) else {
                throw APIError(.badRequest, "invalid_limit", "limit must be an integer from 1 to \(Self.maxPageSize)")
            }
            limit = value
        } else {
            limit = Self.defaultPageSize
        }
        var cursor: Int64?
        if let text = request.uri.queryParameters.get("starting_after") {
            guard let value = LedgerEntry.parsePublicID(text) else {
                throw APIError(.badRequest, "invalid_cursor", "starting_after must be an entry id like ent_123")
            }
            cursor = value
        }
        guard try await wallet.account(id) != nil else { throw Self.unknownAccount(id) }
        // One extra row tells whether another page exists without a second query.
        let entries = try await wallet.history(id, limit: limit + 1, startingAfter: cursor)
        let page = entries.prefix(limit)
        return JSONResponse.make(status: .ok, .object([
            "object": .string("list"),
            "data": .array(page.map(WalletJSON.entry)),
            "has_more": .bool(entries.count > limit),
        ]))
    }

    static func accountID(_ context: BasicRequestContext) throws -> AccountID {
        let raw = context.parameters.get("id") ?? ""
        do { return try AccountID(raw) } catch {
            throw APIError(.unprocessableContent, "invalid_account_id", error.message)
        }
    }

    static func unknownAccount(_ id: AccountID) -> APIError {
        APIError(.notFound, "account_not_found", "no account \(id)")
    }
}

extension HTTPField.Name {
    // A valid header token literal; the failable initializer cannot fail for it.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
