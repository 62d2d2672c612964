import Crypto
import GatewayCore

extension LedgerPost {
    /// Longest free-text field accepted (reference, description).
    static let maxTextLength = 500

    /// Validates a credit or debit body at the edge. Errors are `APIError`s with the status the
    /// API promises: 422 for a bad amount, kind or field; 400 for a malformed body.
    static func parse(
        body: JSONValue, account: AccountID, key: IdempotencyKey, direction: Direction
    ) throws -> LedgerPost {
        guard case .object(let fields) = body else { throw APIError.invalidJSON("body must be a JSON object") }
        let amount = try amountField(fields)
        var currency: Currency?
        if let value = fields["currency"] {
            guard let text = value.stringValue else {
                throw APIError(.unprocessableContent, "invalid_currency", "currency must be a string such as \"USD\"")
            }
            do { currency = try Currency(text) } catch { throw APIError(.unprocessableContent, "invalid_currency", error.message) }
        }
        guard let kindText = fields["kind"]?.stringValue else {
            throw APIError(.unprocessableContent, "invalid_kind", "kind is required")
        }
        let kind: EntryKind
        do { kind = try EntryKind(wire: kindText) } catch {
            throw APIError(.unprocessableContent, "invalid_kind", error.message)
        }
        let reference = try text(fields, "reference")
        let description = try text(fields, "description")
        let details = fields["details"] ?? .object([:])
        guard case .object = details else {
            throw APIError(.unprocessableContent, "invalid_details", "details must be a JSON object")
        }
        var allowNegative = false
        if let flag = fields["allow_negative"] {
            guard let value = flag.boolValue else {
                throw APIError(.unprocessableContent, "invalid_allow_negative", "allow_negative must be true or false")
            }
            allowNegative = value
        }
        let detailsJSON = details.canonicalText
        let hash = requestHash(
            account: account, direction: direction, amount: amount, kind: kind, reference: reference,
            description: description, detailsJSON: detailsJSON, allowNegative: allowNegative
        )
        return LedgerPost(
            account: account, key: key, direction: direction, amount: amount, currency: currency, kind: kind, reference: reference,
            description: description, detailsJSON: detailsJSON, allowNegative: allowNegative, requestHash: hash
        )
    }

    /// `amount_minor`, or its older name `amount_cents`; both may be given only if they agree.
    private static func amountField(_ fields: [String: JSONValue]) throws -> PositiveCents {
        let given = ["amount_minor", "amount_cents"].compactMap { name in fields[name].map { (name, $0) } }
        guard let (name, value) = given.first else {
            throw APIError(.unprocessableContent, "invalid_amount", "amount_minor is required (minor units of the account's currency)")
        }
        guard case .int(let raw) = value else {
            throw APIError(.unprocessableContent, "invalid_amount", "\(name) must be an integer number of minor units that fits in 64 bits")
        }
        if given.count == 2, given[1].1 != value {
            throw APIError(.unprocessableContent, "invalid_amount", "amount_minor and amount_cents differ; send amount_minor alone")
        }
        do { return try PositiveCents(raw) } catch {
            throw APIError(.unprocessableContent, "invalid_amount", "\(name): \(error.message)")
        }
    }

    private static func text(_ fields: [String: JSONValue], _ name: String) throws -> String {
        guard let value = fields[name] else { return "" }
        guard let text = value.stringValue else {
            throw APIError(.unprocessableContent, "invalid_\(name)", "\(name) must be a string")
        }
        guard text.count <= maxTextLength else {
            throw APIError(.unprocessableContent, "invalid_\(name)", "\(name) is longer than \(maxTextLength) characters")
        }
        return text
    }

    /// SHA-256 of a canonical JSON array of every field that defines the request, so "same key,
    /// same body" compares content, not byte layout.
    static func requestHash(
        account: AccountID, direction: Direction, amount: PositiveCents, kind: EntryKind, reference: String,
        description: String, detailsJSON: String, allowNegative: Bool
    ) -> String {
        let canonical = JSONValue.array([
            .string("v1"), .string(account.rawValue), .string(direction.rawValue), .int(amount.value),
            .string(kind.rawValue), .string(reference), .string(description), .string(detailsJSON), .bool(allowNegative),
        ]).canonicalText
        return Digest.sha256Hex(canonical)
    }
}
