import AsyncHTTPClient
import Foundation
import GatewayCore
import NIOCore
import NIOHTTP1

/// Delivers one outbox row to a wallet API over HTTP. The same client serves the embedded
/// wallet (this process's internal listener) and a remote one.
public protocol WalletDelivering: Sendable {
    func deliver(_ item: OutboxItem) async -> DeliveryOutcome
}

public struct HTTPWalletClient: WalletDelivering {
    /// Largest wallet answer read; an entry is well under 8 KiB.
    static let maxResponseBytes = 256 * 1024

    /// Resolved per call: the embedded wallet's port is known only once its listener is up.
    public let baseURL: @Sendable () -> String?
    public let token: Secret
    public let timeout: TimeAmount
    public let httpClient: HTTPClient

    public init(baseURL: @escaping @Sendable () -> String?, token: Secret, timeoutMillis: Int64, httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL
        self.token = token
        self.timeout = .milliseconds(timeoutMillis)
        self.httpClient = httpClient
    }

    public func deliver(_ item: OutboxItem) async -> DeliveryOutcome {
        guard let baseURL = baseURL() else { return .transient("wallet listener is not up yet") }
        let path = item.direction == .credit ? "credits" : "debits"
        var request = HTTPClientRequest(url: "\(baseURL)/v1/accounts/\(item.account.rawValue)/\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token.value)")
        request.headers.add(name: "Idempotency-Key", value: item.key.rawValue)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: Self.body(item)))
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
            return Self.outcome(status: response.status.code, body: bytes)
        } catch {
            return .transient("wallet unreachable: \(Self.describe(error))")
        }
    }

    static func body(_ item: OutboxItem) -> String {
        // Details are canonical JSON text we wrote; embed them as a value, not a string.
        let details = (try? JSONValue.parse(Array(item.detailsJSON.utf8))) ?? .object([:])
        var fields: [String: JSONValue] = [
            "amount_minor": .int(item.amount.value),
            "kind": .string(item.kind.rawValue),
            "reference": .string(item.reference),
            "description": .string(item.description),
            "details": details,
        ]
        if item.allowNegative { fields["allow_negative"] = .bool(true) }
        // A row written before currencies is posted as it always was (amount_cents, no
        // currency: the account's); a new row names its currency, and USD ones keep the old
        // field too, so an older wallet still reads them.
        switch item.currency {
        case nil:
            fields["amount_minor"] = nil
            fields["amount_cents"] = .int(item.amount.value)
        case .usd?:
            fields["amount_cents"] = .int(item.amount.value)
            fields["currency"] = .string(Currency.usd.code)
        case let currency?:
            fields["currency"] = .string(currency.code)
        }
        return JSONValue.object(fields).canonicalText
    }

    /// Maps the wallet's answer to what the outbox does next. Only what retrying cannot fix
    /// parks a row; everything else, including a rejected token, is retried with backoff.
    static func outcome(status: UInt, body: ByteBuffer) -> DeliveryOutcome {
        let json = try? JSONValue.parse(body.readableBytesView)
        let errorCode = json?["error"]?["code"]?.stringValue ?? "http_\(status)"
        let message = json?["error"]?["message"]?.stringValue ?? ""
        switch status {
        case 200, 201:
            guard let id = json?["id"]?.stringValue else { return .transient("wallet answered \(status) without an entry id") }
            return .delivered(walletEntryID: id)
        case 404, 409, 422:
            return .permanent("\(errorCode): \(message)")
        case 400:
            return .permanent("wallet rejected the request: \(errorCode): \(message)")
        case 401, 403:
            return .transient("wallet refused the token (\(status)); check WALLET_API_TOKEN")
        default:
            return .transient("wallet answered \(status) \(errorCode)")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return String(describing: error) }
        return String(describing: type(of: error))
    }
}
