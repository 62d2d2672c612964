import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// JSON-RPC 2.0 over HTTP with batches (answers matched by id, never by position), a timeout
/// per request, retries with backoff, and failover across several endpoints.
public struct JSONRPCClient: Sendable {
    /// Largest answer read: a full block with its transactions is a few hundred KB; a batch of
    /// them, or a wide `eth_getLogs`, a few tens of MB at most.
    public static let maxResponseBytes = 64 << 20
    /// Calls per batch: providers cap batches (geth 1000, many providers 100).
    public static let maxBatch = 100

    public let endpoints: [String]
    public let timeout: TimeAmount
    public let maxAttempts: Int
    public let backoffBaseMillis: Int64
    let httpClient: HTTPClient

    public init(endpoints: [String], timeoutMillis: Int64, maxAttempts: Int = 4, backoffBaseMillis: Int64 = 200, httpClient: HTTPClient = .shared) {
        self.endpoints = endpoints
        self.timeout = .milliseconds(timeoutMillis)
        self.maxAttempts = max(1, maxAttempts)
        self.backoffBaseMillis = backoffBaseMillis
        self.httpClient = httpClient
    }

    /// A client for endpoint `index` alone, with the same limits.
    public func only(_ index: Int) -> JSONRPCClient {
        JSONRPCClient(
            endpoints: [endpoints[index]], timeoutMillis: Int64(timeout.nanoseconds / 1_000_000), maxAttempts: maxAttempts,
            backoffBaseMillis: backoffBaseMillis, httpClient: httpClient
        )
    }

    public struct Call: Sendable {
        public let method: String
        public let params: [RPCValue]

        public init(_ method: String, _ params: [RPCValue]) {
            self.method = method
            self.params = params
        }
    }

    // Untyped `throws` on the async paths (every error thrown is an `RPCError`): typed throws
    // through async closures miscompiled with this toolchain (a null call at run time).
    public func call(_ method: String, _ params: [RPCValue]) async throws -> RPCValue {
        let answers = try await batch([Call(method, params)])
        return try answers[0].get().value
    }

    /// Sends calls in batches of at most `maxBatch`; each answer is the call's result or its
    /// node error. Transport failures are retried (rotating endpoints), then thrown.
    public func batch(_ calls: [Call]) async throws -> [Result<JSONNode, RPCError>] {
        var results: [Result<JSONNode, RPCError>] = []
        results.reserveCapacity(calls.count)
        var start = 0
        while start < calls.count {
            let chunk = Array(calls[start..<min(start + Self.maxBatch, calls.count)])
            results += try await sendWithRetries(chunk)
            start += Self.maxBatch
        }
        return results
    }

    /// Transient failures are retried with exponential backoff, rotating through the endpoints.
    private func sendWithRetries(_ calls: [Call]) async throws -> [Result<JSONNode, RPCError>] {
        var lastError = RPCError.transport("no endpoint configured")
        for attempt in 0..<maxAttempts {
            guard !endpoints.isEmpty else { break }
            let endpoint = endpoints[attempt % endpoints.count]
            do {
                return try await send(calls, to: endpoint)
            } catch let error as RPCError {
                lastError = error
                guard error.isTransient, attempt + 1 < maxAttempts else { throw error }
                let delay = backoffBaseMillis << min(attempt, 10)
                // A cancelled caller (a stop) does not wait out the backoff.
                try? await Task.sleep(for: .milliseconds(delay))
                if Task.isCancelled { throw RPCError.transport("cancelled: \(lastError)") }
            }
        }
        throw lastError
    }

    private func send(_ calls: [Call], to endpoint: String) async throws -> [Result<JSONNode, RPCError>] {
        let payload = RPCValue.array(calls.enumerated().map { index, call in
            .object(["jsonrpc": .string("2.0"), "id": .number(String(index)), "method": .string(call.method), "params": .array(call.params)])
        })
        let body: Data
        do { body = try JSONEncoder().encode(payload) } catch { throw RPCError.malformed("cannot encode request") }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let bytes: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            guard response.status.code == 200 else {
                _ = try? await response.body.collect(upTo: 1 << 16)
                throw RPCError.http(status: Int(response.status.code))
            }
            bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch let error as RPCError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw RPCError.timeout
        } catch {
            throw RPCError.transport(Self.transportReason(error))
        }
        // One tape for the whole answer; results are views into it, decoded on demand.
        let root = try JSONTape(bytes.readableBytesView).root
        // A node may answer a whole batch with one error object (e.g. batch too large).
        if root.isObject, let error = root["error"] { throw Self.nodeError(error.value) }
        guard let answers = root.array else { throw RPCError.malformed("batch answer is not an array") }
        var byID: [Int: JSONNode] = [:]
        for answer in answers {
            guard let id = answer["id"] else { continue }
            switch id.value {
            case .number(let text): if let number = Int(text) { byID[number] = answer }
            case .string(let text): if let number = Int(text) { byID[number] = answer }
            default: continue
            }
        }
        var results: [Result<JSONNode, RPCError>] = []
        results.reserveCapacity(calls.count)
        for index in calls.indices {
            guard let answer = byID[index] else { throw RPCError.missingAnswer(id: index) }
            if let error = answer["error"], !error.isNull {
                results.append(.failure(Self.nodeError(error.value)))
            } else if let result = answer["result"] {
                results.append(.success(result))
            } else {
                throw RPCError.malformed("answer \(index) has neither result nor error")
            }
        }
        return results
    }

    static func nodeError(_ value: RPCValue) -> RPCError {
        let code: Int
        if case .number(let text)? = value["code"], let parsed = Int(text) { code = parsed } else { code = 0 }
        return .node(code: code, message: String((value["message"]?.string ?? "unknown error").prefix(500)))
    }

    /// Why a request failed, without the endpoint: NIO's connection error prints the host, and
    /// some providers put the API key in it (`https://<key>.provider.example`). The text goes
    /// to logs and to `chain_rescans.report`.
    static func transportReason(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return transportReason(first.error) }
            return error.dnsAError != nil || error.dnsAAAAError != nil ? "name resolution failed" : "connection failed"
        case let error as IOError:
            return error.description  // the call and the errno's text; no address
        case let error as HTTPClientError:
            return error.description  // a case name, such as remoteConnectionClosed
        default:
            return "\(type(of: error))"
        }
    }
}
