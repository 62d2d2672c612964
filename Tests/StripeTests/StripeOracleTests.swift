import Foundation
import Stripe
import Testing

/// The official `stripe` Python library as oracle, in both directions.
/// Needs GATEWAY_PYTHON (scripts/test.sh sets it to the project venv).
@Suite("Stripe library oracle")
struct StripeOracleTests {
    static let python = ProcessInfo.processInfo.environment["GATEWAY_PYTHON"]
    static let oracle = SignatureVectorTests.root.appendingPathComponent("webhooks/tools/oracle.py").path

    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [oracle] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func bodyFile(_ body: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID().uuidString).json").path
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let bodies = [
        #"{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1700000000,"livemode":false}"#,
        "{\n  \"id\": \"evt_unicode\",\n  \"object\": \"event\",\n  \"note\": \"caf\u{e9} \u{1F600}\"\n}\n",
    ]

    @Test(.enabled(if: python != nil, "GATEWAY_PYTHON unset: the stripe library oracle needs the project venv"), arguments: bodies)
    func headersFromTheLibraryVerifyInSwift(body: String) throws {
        let now = Int64(Date().timeIntervalSince1970)
        let (status, header) = try Self.run(["sign", "--secret", "whsec_oracle", "--timestamp", "\(now - 10)", "--body-file", try Self.bodyFile(body)])
        #expect(status == 0, "\(header)")
        #expect(throws: Never.self) {
            try WebhookSignature(secrets: ["whsec_other", "whsec_oracle"]).verify(header: header, body: Array(body.utf8), now: now)
        }
        #expect(throws: SignatureError.noMatch) {
            try WebhookSignature(secrets: ["whsec_other"]).verify(header: header, body: Array(body.utf8), now: now)
        }
        // One byte more and it no longer verifies.
        #expect(throws: SignatureError.noMatch) {
            try WebhookSignature(secrets: ["whsec_oracle"]).verify(header: header, body: Array((body + " ").utf8), now: now)
        }
    }

    @Test(.enabled(if: python != nil, "GATEWAY_PYTHON unset: the stripe library oracle needs the project venv"), arguments: bodies)
    func headersFromSwiftPassConstructEvent(body: String) throws {
        let now = Int64(Date().timeIntervalSince1970)
        let header = WebhookSignature.header(secret: "whsec_swift", timestamp: now - 5, body: Array(body.utf8))
        let file = try Self.bodyFile(body)
        let (accepted, output) = try Self.run(["verify", "--secret", "whsec_swift", "--header", header, "--body-file", file, "--tolerance", "300"])
        #expect(accepted == 0, "\(output)")
        let (refused, _) = try Self.run(["verify", "--secret", "whsec_wrong", "--header", header, "--body-file", file, "--tolerance", "300"])
        #expect(refused == 1)
    }

    @Test(.enabled(if: python != nil, "GATEWAY_PYTHON unset: the stripe library oracle needs the project venv"))
    func rotationWithTwoSecrets() throws {
        let body = Self.bodies[0]
        let now = Int64(Date().timeIntervalSince1970)
        let (status, header) = try Self.run([
            "sign", "--secret", "whsec_old", "--secret", "whsec_new", "--timestamp", "\(now)", "--body-file", try Self.bodyFile(body),
        ])
        #expect(status == 0)
        for secrets in [["whsec_old"], ["whsec_new"], ["whsec_new", "whsec_old"]] {
            #expect(throws: Never.self) { try WebhookSignature(secrets: secrets).verify(header: header, body: Array(body.utf8), now: now) }
        }
    }
}
