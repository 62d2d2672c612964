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
        /// Checkout Sessions by id, and Stripe's idempotency: key → (parameters, session id).
        var sessions: [String: CheckoutSession] = [:]
        var idempotency: [String: (form: [String: String], session: String)] = [:]
        var sessionPosts = 0
        var sessionsCreated = 0
        /// The next POSTs answer these, in order (status, Stripe error type, message).
        var failures: [(status: Int, type: String, message: String)] = []
        var lastForm: [String: String] = [:]
        var lastIdempotencyKey: String?
    }

    /// A Checkout Session as the stand-in keeps it.
    public struct CheckoutSession: Sendable {
        public var id: String
        public var form: [String: String]
        public var status: String
        public var paymentIntent: String?
        public var created: Int64
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

    public func addPaymentIntent(id: String, status: String, amountReceived: Int64, account: String, created: Int64, currency: String = "usd") {
        let json = """
            {"id":"\(id)","object":"payment_intent","amount":\(amountReceived),"amount_received":\(amountReceived),"currency":"\(currency)",\
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

    /// POSTs to /v1/checkout/sessions, and how many created a new session (a replay under the
    /// same Idempotency-Key creates none).
    public var sessionPosts: Int { box.state.withLock { $0.sessionPosts } }
    public var sessionsCreated: Int { box.state.withLock { $0.sessionsCreated } }
    public var lastForm: [String: String] { box.state.withLock { $0.lastForm } }
    public var lastIdempotencyKey: String? { box.state.withLock { $0.lastIdempotencyKey } }
    public func session(_ id: String) -> CheckoutSession? { box.state.withLock { $0.sessions[id] } }

    /// Makes the next POST answer an error, as Stripe does (e.g. 402 card_error, 429, 500).
    public func failNextPost(status: Int, type: String = "api_error", message: String = "injected") {
        box.state.withLock { $0.failures.append((status, type, message)) }
    }

    /// What Stripe's dashboard would show once the customer paid.
    public func complete(session id: String, paymentIntent: String) {
        box.state.withLock {
            $0.sessions[id]?.status = "complete"
            $0.sessions[id]?.paymentIntent = paymentIntent
        }
    }

    public static func start() async throws -> FakeStripeAPI {
        let box = Box()
        let router = Router()
        router.post("/v1/checkout/sessions") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            return Self.createSession(request, body: String(buffer: body), box: box)
        }
        router.get("/v1/checkout/sessions/{id}") { request, context -> Response in
            guard Self.authorized(request) else { return Self.unauthorized() }
            let id = context.parameters.get("id") ?? ""
            guard let session = box.state.withLock({ $0.sessions[id] }) else {
                return Self.json(#"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such checkout.session: '\#(id)'"}}"#, status: .notFound)
            }
            return Self.json(Self.sessionJSON(session))
        }
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

    /// `POST /v1/checkout/sessions`: checks the form encoding and the parameters a payment-mode
    /// session needs, honours `Idempotency-Key` as Stripe does (same key and parameters: the
    /// same session; other parameters: 400 idempotency_error), and answers the documented
    /// Session object.
    private static func createSession(_ request: Request, body: String, box: Box) -> Response {
        guard authorized(request) else { return unauthorized() }
        func error(_ status: HTTPResponse.Status, _ type: String, _ message: String, param: String? = nil) -> Response {
            let paramField = param.map { #","param":"\#($0)""# } ?? ""
            return json(#"{"error":{"type":"\#(type)","message":"\#(message)"\#(paramField)}}"#, status: status)
        }
        if let failure = box.state.withLock({ state -> (status: Int, type: String, message: String)? in
            state.sessionPosts += 1
            return state.failures.isEmpty ? nil : state.failures.removeFirst()
        }) {
            return error(HTTPResponse.Status(code: failure.status), failure.type, failure.message)
        }
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
            return error(.badRequest, "invalid_request_error", "Content-Type must be application/x-www-form-urlencoded")
        }
        guard let form = FormEncoding.decode(body) else {
            return error(.badRequest, "invalid_request_error", "Invalid form encoding")
        }
        let key = request.headers[.init("Idempotency-Key")!]
        box.state.withLock {
            $0.lastForm = form
            $0.lastIdempotencyKey = key
        }
        for name in ["mode", "success_url", "line_items[0][price_data][currency]", "line_items[0][price_data][unit_amount]",
                     "line_items[0][price_data][product_data][name]", "line_items[0][quantity]"] where form[name] == nil {
            return error(.badRequest, "invalid_request_error", "Missing required param: \(name).", param: name)
        }
        guard form["mode"] == "payment" else { return error(.badRequest, "invalid_request_error", "Invalid mode", param: "mode") }
        guard let amount = Int64(form["line_items[0][price_data][unit_amount]"]!), amount > 0,
              let quantity = Int64(form["line_items[0][quantity]"]!), quantity > 0 else {
            return error(.badRequest, "invalid_request_error", "Invalid integer", param: "line_items[0][price_data][unit_amount]")
        }
        let currency = form["line_items[0][price_data][currency]"]!
        guard currency.count == 3, currency == currency.lowercased() else {
            return error(.badRequest, "invalid_request_error", "Invalid currency: \(currency)", param: "line_items[0][price_data][currency]")
        }
        if amount < 50 { return error(.badRequest, "invalid_request_error", "The Checkout Session's total amount due must add up to at least $0.50 usd") }
        return box.state.withLock { state -> Response in
            if let key, let earlier = state.idempotency[key] {
                guard earlier.form == form else {
                    return error(.badRequest, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.")
                }
                return json(sessionJSON(state.sessions[earlier.session]!))
            }
            state.sessionsCreated += 1
            let id = "cs_test_a1\(String(state.sessionsCreated, radix: 36))\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24))"
            let session = CheckoutSession(id: id, form: form, status: "open", paymentIntent: nil, created: Int64(Date().timeIntervalSince1970))
            state.sessions[id] = session
            if let key { state.idempotency[key] = (form, id) }
            return json(sessionJSON(session))
        }
    }

    /// A Session in the shape of Stripe's API reference (`checkout.session`), with the fields
    /// a payment-mode session created from `price_data` has.
    static func sessionJSON(_ session: CheckoutSession) -> String {
        let form = session.form
        let amount = Int64(form["line_items[0][price_data][unit_amount]"] ?? "0")! * Int64(form["line_items[0][quantity]"] ?? "1")!
        func text(_ name: String) -> String { form[name].map { JSONValue.string($0).canonicalText } ?? "null" }
        var metadata: [String: JSONValue] = [:]
        for (name, value) in form where name.hasPrefix("metadata[") && name.hasSuffix("]") {
            metadata[String(name.dropFirst("metadata[".count).dropLast())] = .string(value)
        }
        let paymentIntent = session.paymentIntent.map { JSONValue.string($0).canonicalText } ?? "null"
        return """
            {"id":"\(session.id)","object":"checkout.session","after_expiration":null,"allow_promotion_codes":null,\
            "amount_subtotal":\(amount),"amount_total":\(amount),"billing_address_collection":null,"cancel_url":\(text("cancel_url")),\
            "client_reference_id":\(text("client_reference_id")),"created":\(session.created),"currency":\(text("line_items[0][price_data][currency]")),\
            "customer":null,"customer_email":null,"expires_at":\(session.created + 86_400),"livemode":false,"locale":null,\
            "metadata":\(JSONValue.object(metadata).canonicalText),"mode":"payment","payment_intent":\(paymentIntent),\
            "payment_method_types":["card"],"payment_status":"\(session.status == "complete" ? "paid" : "unpaid")",\
            "status":"\(session.status)","success_url":\(text("success_url")),\
            "url":"https://checkout.stripe.com/c/pay/\(session.id)#fidkdWxOYHwnPyd1blpxYHZxWjA0"}
            """
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

/// `application/x-www-form-urlencoded`, decoded strictly: every pair is `name=value`, `+` is a
/// space, and percent escapes must be valid UTF-8. A repeated name is refused (Stripe's forms
/// never repeat a scalar).
public enum FormEncoding {
    public static func decode(_ body: String) -> [String: String]? {
        var form: [String: String] = [:]
        guard !body.isEmpty else { return form }
        for pair in body.split(separator: "&", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2,
                  let name = parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                  let value = parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                  !name.isEmpty, form[name] == nil else { return nil }
            form[name] = value
        }
        return form
    }
}
