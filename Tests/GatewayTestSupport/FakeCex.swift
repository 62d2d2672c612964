import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A local stand-in for cex.io's public REST API, answering the documented shapes over real
/// HTTP on loopback: tickers (price strings, bid/ask numbers), `currency_limits`, `{"error":…}`
/// bodies, 429s, 5xx, slow answers and malformed JSON.
public final class FakeCex: Sendable {
    public enum Answer: Sendable {
        case ticker(last: String, bid: String = "17400.04", ask: String = "17418.2")
        case errorBody(String)
        case status(Int)
        case slow(seconds: Int, then: String)
        case malformed
    }

    private struct State {
        var answers: [String: Answer] = [
            "ETH/USD": .ticker(last: "3012.45"), "USDT/USD": .ticker(last: "1.0001"),
            "ETH/EUR": .ticker(last: "2781.30"), "USDT/EUR": .ticker(last: "0.9234"),
        ]
        var pairs: [String] = ["ETH/USD", "USDT/USD", "BTC/USD", "ETH/EUR", "USDT/EUR"]
        var requests = 0
    }

    /// Shared by the route handlers and the test.
    private final class Box: Sendable {
        let state = Mutex(State())
    }

    private let box: Box
    private let server: LocalHTTPServer
    public var port: Int { server.port }
    public var baseURL: String { server.baseURL }
    public var requests: Int { box.state.withLock { $0.requests } }

    public func answer(_ pair: String, _ answer: Answer) { box.state.withLock { $0.answers[pair] = answer } }
    public func offer(pairs: [String]) { box.state.withLock { $0.pairs = pairs } }

    public static func start() async throws -> FakeCex {
        let box = Box()
        let router = Router()
        router.get("/ticker/{a}/{b}") { _, context -> Response in
            let pair = "\(context.parameters.get("a") ?? "")/\(context.parameters.get("b") ?? "")"
            let answer = box.state.withLock { state -> Answer? in
                state.requests += 1
                return state.answers[pair]
            }
            switch answer {
            case nil:
                return Self.json(#"{"error":"Invalid Symbols Pair"}"#)
            case .ticker(let last, let bid, let ask)?:
                // Verbatim shape of the documented example: strings, and numbers for bid/ask.
                return Self.json(#"{"timestamp":"1513166480","low":"17200","high":"17920","last":"\#(last)","volume":"2042.59581123","volume30d":"81150.14153359","bid":\#(bid),"ask":\#(ask)}"#)
            case .errorBody(let message)?:
                return Self.json(#"{"error":"\#(message)"}"#)
            case .status(let code)?:
                return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: "unavailable")))
            case .slow(let seconds, let last)?:
                try await Task.sleep(for: .seconds(seconds))
                return Self.json(#"{"timestamp":"1513166480","last":"\#(last)"}"#)
            case .malformed?:
                return Self.json(#"{"last": "3000", "#)
            }
        }
        router.get("/currency_limits") { _, _ -> Response in
            let pairs = box.state.withLock { $0.pairs }
            let rows = pairs.map { pair -> String in
                let parts = pair.split(separator: "/")
                return #"{"symbol1":"\#(parts[0])","symbol2":"\#(parts[1])","minLotSize":0.1,"pricePrecision":2}"#
            }
            return Self.json(#"{"e":"currency_limits","ok":"ok","data":{"pairs":[\#(rows.joined(separator: ","))]}}"#)
        }
        return FakeCex(box: box, server: try await LocalHTTPServer.start(router: router, name: "fake cex.io"))
    }

    private init(box: Box, server: LocalHTTPServer) {
        self.box = box
        self.server = server
    }

    public func stop() async { await server.stop() }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
