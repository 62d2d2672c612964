import Foundation
import Stripe
import Testing

/// `webhooks/signature-vectors.json`: secret(s), timestamp, now, body, header and the verdict.
@Suite("Stripe-Signature vectors")
struct SignatureVectorTests {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let secrets: [String]
        let now: Int64
        let tolerance: Int64
        let body: String
        let header: String?
        let valid: Bool
        let reason: String
        var testDescription: String { name }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let vectors: [Vector] = {
        let url = root.appendingPathComponent("webhooks/signature-vectors.json")
        guard let data = try? Data(contentsOf: url), let vectors = try? JSONDecoder().decode([Vector].self, from: data) else {
            return []
        }
        return vectors
    }()

    @Test func vectorsAreLoaded() {
        #expect(Self.vectors.count >= 40)
    }

    @Test(arguments: vectors)
    func verdictMatches(_ vector: Vector) {
        let verifier = WebhookSignature(secrets: vector.secrets, toleranceSeconds: vector.tolerance)
        do {
            try verifier.verify(header: vector.header, body: Array(vector.body.utf8), now: vector.now)
            #expect(vector.valid, "accepted, expected \(vector.reason)")
        } catch {
            #expect(!vector.valid, "refused with \(error.reason), expected acceptance")
            #expect(error.reason == vector.reason)
        }
    }

    @Test func signsLikeTheFactsVector() {
        let body = Array("{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}".utf8)
        #expect(WebhookSignature.header(secret: "whsec_test_secret", timestamp: 1_700_000_000, body: body)
            == "t=1700000000,v1=4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150")
    }

    @Test func noSecretsMeansNotConfigured() {
        #expect(throws: SignatureError.noSecretsConfigured) {
            try WebhookSignature(secrets: []).verify(header: "t=1,v1=00", body: [], now: 1)
        }
    }
}
