import Foundation
import GatewayApp
import Hummingbird
import NIOCore
import Synchronization

/// A local stand-in for the parts of Stripe's REST API that `reconcile stripe` reads: list
/// endpoints in Stripe's envelope (`object: list`, `data`, `has_more`), newest first, paged
/// with `starting_after`, filtered by `created[gte|lte]` and `types[]`; single payment intents;
/// bearer-key checks and Stripe-shaped error bodies.
public final class FakeStripeAPI: Sendable {
    public static let key = "rk_test_reconcile_0123456789"

    struct Item: Sendable {
        let id: String
        let created: Int64
        let json: String
        var type: String?
        /// A refund's charge, for `GET /v1/refunds?charge=`.
        var charge: String?
    }

    private struct State {
        var events: [Item] = []
        var intents: [Item] = []
        var refunds: [Item] = []
        var disputes: [Item] = []
        /// Largest page served, whatever `limit` asks, so small fixtures still page.
        var pageSize = 2
        var pagesServed = 0
    }

    private final class Box: Sendable { let state = Mutex(State()) }

    private let box: Box
    private let server: LocalHTTPServer
    public var port: Int { server.port }
    public var baseURL: String { server.baseURL }
    public var pagesServed: Int { box.state.withLock { $0.pagesServed } }

    /// Adds an event (the full event JSON, as `StripeFixtures.event` makes it).
    public func addEvent(_ json: String) throws {
        let value = try JSONValue.parse(Array(json.utf8))
        guard let id = value["id"]?.stringValue, let created = value["created"]?.intValue else {
            throw TestSetupError("event without id or created")
        }
        box.state.withLock { $0.events.append(Item(id: id, created: created, json: json, type: value["type"]?.stringValue)) }
    }

    public func addPaymentIntent(id: String, status: String, amountReceived: Int64, account: String, created: Int64) {
        let json = """
            {"id":"\(id)","object":"payment_intent","amount":\(amountReceived),"amount_received":\(amountReceived),"currency":"usd",\
            "status":"\(status)","livemode":false,"created":\(created),"metadata":{"account_id":"\(account)"}}
            """
        box.state.withLock { $0.intents.append(Item(id: id, created: created, json: json)) }
    }

    public func addRefund(
        id: String, paymentIntent: String, amount: Int64, created: Int64, status: String = "succeeded", charge: String? = nil
    ) {
        let charge = charge ?? "ch_\(paymentIntent.dropFirst(3))"
        let json = """
            {"id":"\(id)","object":"refund","amount":\(amount),"currency":"usd","status":"\(status)","created":\(created),\
            "livemode":false,"payment_intent":"\(paymentIntent)","charge":"\(charge)"}
            """
        box.state.withLock { state in
            // A refund's new state replaces its old one, as Stripe's API shows only the current.
            state.refunds.removeAll { $0.id == id }
            state.refunds.append(Item(id: id, created: created, json: json, charge: charge))
        }
    }

    public static func start() async throws -> FakeStripeAPI {
        let box = Box()
        let router = Router()
        router.get("/v1/events") { request, _ in
            Self.list(request, box: box, url: "/v1/events") { state in state.events }
        }
        router.get("/v1/payment_intents") { request, _ in
            Self.list(request, box: box, url: "/v1/payment_intents") { state in state.intents }
        }
        router.get("/v1/refunds") { request, _ in Self.list(request, box: box, url: "/v1/refunds") { state in state.refunds } }
        router.get("/v1/disputes") { request, _ in Self.list(request, box: box, url: "/v1/disputes") { state in state.disputes } }
        router.get("/v1/payment_intents/{id}") { request, context -> Response in
            guard Self.authorized(request) else { return Self.unauthorized() }
            let id = context.parameters.get("id") ?? ""
            guard let item = box.state.withLock({ $0.intents.first { $0.id == id } }) else {
                return Self.json(#"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such payment_intent: '\#(id)'"}}"#, status: .notFound)
            }
            return Self.json(item.json)
        }
        return FakeStripeAPI(box: box, server: try await LocalHTTPServer.start(router: router, name: "fake Stripe API"))
    }

    private init(box: Box, server: LocalHTTPServer) {
        self.box = box
        self.server = server
    }

    public func stop() async { await server.stop() }

    private static func list(_ request: Request, box: Box, url: String, items: @Sendable (State) -> [Item]) -> Response {
        guard authorized(request) else { return unauthorized() }
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            query[Substring(name)].map(String.init)
                ?? query[Substring(name.replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D"))].map(String.init)
        }
        let types: Set<String> = Set((query.getAll("types[]") + query.getAll("types%5B%5D")).map { String($0) })
        let gte = value("created[gte]").flatMap { Int64($0) } ?? .min
        let lte = value("created[lte]").flatMap { Int64($0) } ?? .max
        let limit = min(100, value("limit").flatMap { Int($0) } ?? 10)
        let after = value("starting_after")
        let charge = value("charge")
        let (all, pageSize) = box.state.withLock { state -> ([Item], Int) in
            state.pagesServed += 1
            return (items(state), state.pageSize)
        }
        // Newest first, as Stripe lists; ties keep insertion order reversed.
        var matching = all.enumerated().filter { _, item in
            guard item.created >= gte, item.created <= lte, charge == nil || item.charge == charge else { return false }
            guard !types.isEmpty else { return true }
            guard let type = item.type else { return false }
            return types.contains(type)
        }.sorted { ($0.element.created, $0.offset) > ($1.element.created, $1.offset) }.map(\.element)
        if let after, let index = matching.firstIndex(where: { $0.id == after }) { matching = Array(matching[(index + 1)...]) }
        let page = Array(matching.prefix(min(limit, pageSize)))
        let body = #"{"object":"list","url":"\#(url)","has_more":\#(matching.count > page.count),"data":[\#(page.map(\.json).joined(separator: ","))]}"#
        return json(body)
    }

    private static func authorized(_ request: Request) -> Bool {
        request.headers[.authorization] == "Bearer \(key)"
    }

    private static func unauthorized() -> Response {
        json(#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}"#, status: .unauthorized)
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
