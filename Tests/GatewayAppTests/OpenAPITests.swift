import Foundation
@testable import GatewayApp
import GatewayTestSupport
import Testing

/// The internal API's contract (api/openapi.json, written by scripts/gen-openapi.py) and the
/// router stay in step; the served document is the file; the official validator accepts it.
@Suite("OpenAPI contract")
struct OpenAPITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func document() throws -> JSONValue {
        try JSONValue.parse(Array(try Data(contentsOf: root.appendingPathComponent("api/openapi.json"))))
    }

    /// `GET /v1/accounts/{id}` for every operation the document names.
    static func documented() throws -> Set<String> {
        guard case .object(let paths)? = try document()["paths"] else { return [] }
        var operations: Set<String> = []
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] where item[method] != nil {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
        let gw = try await TestGateway.start(backend: .sqlite, parts: [])
        defer { Task { await gw.stop() } }
        // The console's pages are HTML for people, not part of the API's contract.
        let routed = Set(gw.gateway.buildInternalRouter().routes.map { "\($0.method) \($0.path)" }.filter { !$0.contains(" /console") })
        let documented = try Self.documented()
        #expect(routed.subtracting(documented).isEmpty, "routes missing from api/openapi.json: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
        #expect(routed.count >= 13)
    }

    @Test func theServedDocumentIsTheFileAndNeedsTheToken() async throws {
        let gw = try await TestGateway.start(backend: .sqlite, parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let served = try await gw.request(.GET, "/openapi.json")
        #expect(served.status == 200)
        #expect(served.json == (try Self.document()))
        #expect(try await gw.request(.GET, "/openapi.json", token: nil).status == 401)
        // Only /healthz is open, in the document as in the router.
        let open = try Self.document()["paths"]?["/healthz"]?["get"]?["security"]
        #expect(open == .array([]))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["GATEWAY_PYTHON"] != nil, "GATEWAY_PYTHON unset: the validator lives in the project venv"))
    func theOfficialValidatorAcceptsIt() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["GATEWAY_PYTHON"]!)
        process.arguments = ["-m", "openapi_spec_validator", Self.root.appendingPathComponent("api/openapi.json").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
    }
}
