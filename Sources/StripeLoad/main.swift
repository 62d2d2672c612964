// Load generator for the Stripe webhook: N unique signed events at concurrency C against a
// running gateway; prints events/s and latency percentiles. Figures, never assertions.
//
//   swift run -c release StripeLoad --url http://127.0.0.1:8080/webhooks/stripe --secret whsec_… \
//       --events 20000 --concurrency 64 [--rate 500] [--account acct_load] [--accounts N]
//
// With --accounts N, event i credits `<account>_<i mod N>` (the accounts must exist): a wallet
// serializes the posts to one account, so one account measures the hot-account worst case.
import AsyncHTTPClient
import Foundation
import NIOCore
import Stripe

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let url = option("url", "http://127.0.0.1:8080/webhooks/stripe")
let secret = option("secret", "whsec_load")
let events = min(max(Int(option("events", "10000")) ?? 10_000, 1), 1_000_000)  // bound the run
let concurrency = min(max(Int(option("concurrency", "32")) ?? 32, 1), 1024)
let rate = Int(option("rate", "0")) ?? 0  // events/s; 0 = as fast as possible
let account = option("account", "acct_load")
let accounts = min(max(Int(option("accounts", "1")) ?? 1, 1), 100_000)
let runID = UUID().uuidString.prefix(8)

func body(_ index: Int) -> [UInt8] {
    let pi = "pi_load_\(runID)_\(index)"
    return Array("""
    {"id":"evt_load_\(runID)_\(index)","object":"event","api_version":"2025-04-30.basil","created":\(Int(Date().timeIntervalSince1970)),\
    "livemode":false,"pending_webhooks":1,"type":"payment_intent.succeeded","data":{"object":{"id":"\(pi)",\
    "object":"payment_intent","amount":500,"amount_received":500,"currency":"usd","status":"succeeded",\
    "metadata":{"account_id":"\(accounts == 1 ? account : "\(account)_\(index % accounts)")"}}}}
    """.utf8)
}

let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
    connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
))
let start = ContinuousClock.now
let latencies = try await withThrowingTaskGroup(of: (Duration, Bool).self) { group in
    var results: [(Duration, Bool)] = []
    results.reserveCapacity(events)
    var next = 0
    func submit(_ index: Int) {
        group.addTask {
            if rate > 0 {
                // Open-loop pacing: event i is due at i / rate seconds after start.
                let due = start + .nanoseconds(Int64(index) * 1_000_000_000 / Int64(rate))
                if due > .now { try await Task.sleep(until: due) }
            }
            let payload = body(index)
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Stripe-Signature", value: WebhookSignature.header(
                secret: secret, timestamp: Int64(Date().timeIntervalSince1970), body: payload
            ))
            request.body = .bytes(ByteBuffer(bytes: payload))
            let began = ContinuousClock.now
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
            return (ContinuousClock.now - began, response.status.code == 200)
        }
    }
    while next < min(concurrency, events) { submit(next); next += 1 }
    for try await result in group {
        results.append(result)
        if next < events { submit(next); next += 1 }
    }
    return results
}
let elapsed = ContinuousClock.now - start
try await client.shutdown()

func millis(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
let sorted = latencies.map { millis($0.0) }.sorted()
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
let ok = latencies.filter(\.1).count
let seconds = millis(elapsed) / 1000
print("events: \(events) (\(ok) answered 200), concurrency \(concurrency), rate \(rate == 0 ? "max" : "\(rate)/s"), accounts \(accounts)")
print(String(format: "throughput: %.0f events/s over %.2f s", Double(events) / seconds, seconds))
print(String(format: "latency ms: p50 %.2f  p99 %.2f  max %.2f", percentile(0.5), percentile(0.99), sorted.last ?? 0))
