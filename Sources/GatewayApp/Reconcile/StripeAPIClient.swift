import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Stripe's REST API: list endpoints with cursor pagination (`has_more`, `starting_after`) and
/// single objects for reconciliation, and form-encoded writes (Checkout Sessions).
///
/// Failures are `OperatorError`s: unreachable or 5xx → `.unreachable` (exit 3), a rejected key
/// → `.usage` (exit 2).
public struct StripeAPIClient: Sendable {
    /// Stripe's largest page.
    static let pageLimit = 100
    /// A list page of 100 full events stays well under this.
    static let maxResponseBytes = 16 << 20
    /// 429s are retried this many times, with growing pauses, before giving up.
    static let maxRateLimitRetries = 5
    /// The API version our event decoding is written against (the fixtures' version).
    public static let apiVersion = "2025-04-30.basil"

    let baseURL: String
    let key: Secret
    let timeout: TimeAmount
    let httpClient: HTTPClient

    /// A refused or silent connection fails after this, so an unreachable API is reported in
    /// seconds (exit 3) instead of retrying until the request deadline.
    public static let connectTimeout: TimeAmount = .seconds(5)

    /// A client for one command run; the caller shuts it down.
    public static func makeHTTPClient() -> HTTPClient {
        HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(timeout: .init(connect: connectTimeout, read: .seconds(30)))
        )
    }

    public init(baseURL: String, key: Secret, timeoutMillis: Int64 = 30_000, httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
        self.timeout = .milliseconds(timeoutMillis)
        self.httpClient = httpClient
    }

    /// Every item of a list endpoint, following `starting_after` while `has_more`.
    public func listAll(_ path: String, query: [(String, String)], onPage: (Int) -> Void = { _ in }) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var startingAfter: String?
        while true {
            var parameters = query + [("limit", "\(Self.pageLimit)")]
            if let startingAfter { parameters.append(("starting_after", startingAfter)) }
            let page = try await get(path, query: parameters)
            guard case .array(let data)? = page["data"] else {
                throw OperatorError(.unreachable, "Stripe \(path): answer has no data list")
            }
            items += data
            onPage(items.count)
            guard page["has_more"]?.boolValue == true else { return items }
            guard let last = data.last?["id"]?.stringValue else {
                throw OperatorError(.unreachable, "Stripe \(path): has_more without an id to continue after")
            }
            startingAfter = last
        }
    }

    public func get(_ path: String, query: [(String, String)] = []) async throws -> JSONValue {
        var url = baseURL + path
        if !query.isEmpty { url += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&") }
        var attempt = 0
        while true {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Authorization", value: "Bearer \(key.value)")
            request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
            let status: UInt
            let body: ByteBuffer
            do {
                let response = try await httpClient.execute(request, timeout: timeout)
                status = response.status.code
                body = try await response.body.collect(upTo: Self.maxResponseBytes)
            } catch {
                throw OperatorError(.unreachable, "Stripe API at \(baseURL) unreachable: \(error)")
            }
            if status == 429, attempt < Self.maxRateLimitRetries {
                attempt += 1
                try await Task.sleep(for: .milliseconds(250 << attempt))
                continue
            }
            let value = try? JSONValue.parse(Array(body.readableBytesView))
            let message = value?["error"]?["message"]?.stringValue
            switch status {
            case 200:
                guard let value else { throw OperatorError(.unreachable, "Stripe \(path): answer is not JSON") }
                return value
            case 401, 403:
                throw OperatorError(.usage, "STRIPE_API_KEY was rejected by Stripe (\(status))\(message.map { ": \($0)" } ?? "")")
            case 404:
                throw OperatorError(.refused, "Stripe \(path): not found\(message.map { ": \($0)" } ?? "")")
            case 400..<500:
                throw OperatorError(.usage, "Stripe refused \(path) (\(status))\(message.map { ": \($0)" } ?? "")")
            default:
                throw OperatorError(.unreachable, "Stripe \(path) answered \(status)")
            }
        }
    }

    /// Stripe's answer to a write, as it came: the caller decides what each status means.
    public struct Answer: Sendable {
        public let status: UInt
        public let body: JSONValue?
        public var errorMessage: String? { body?["error"]?["message"]?.stringValue }
    }

    /// POSTs a form-encoded body (`a[b][c]=v`, as Stripe's API takes) with an
    /// `Idempotency-Key`, so a retried call creates nothing twice. Throws only when no answer
    /// came back (unreachable, timed out).
    public func postForm(_ path: String, form: [(String, String)], idempotencyKey: String) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key.value)")
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: Self.formBody(form)))
        let response = try await httpClient.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: Self.maxResponseBytes)
        return Answer(status: response.status.code, body: try? JSONValue.parse(Array(body.readableBytesView)))
    }

    /// `application/x-www-form-urlencoded`, keys and values percent-encoded (brackets too, as
    /// Stripe's libraries send them).
    static func formBody(_ form: [(String, String)]) -> String {
        form.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
