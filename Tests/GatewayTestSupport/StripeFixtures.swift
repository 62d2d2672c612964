import Foundation
import Stripe

/// The project's Stripe fixtures and a signer, for posting events the way Stripe does.
public enum StripeFixtures {
    public static let secret = "whsec_test_gateway_secret"

    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("webhooks")

    public static func fixture(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("fixtures/\(name)"), encoding: .utf8)
    }

    public static func signatureHeader(_ body: String, secret: String = secret, at timestamp: Int64? = nil) -> String {
        WebhookSignature.header(secret: secret, timestamp: timestamp ?? Int64(Date().timeIntervalSince1970), body: Array(body.utf8))
    }

    /// Posts a signed event to the gateway's public listener.
    public static func post(_ body: String, to gateway: TestGateway, header: String? = nil) async throws -> TestResponse {
        try await TestHTTP.request(
            .POST, gateway.publicURL + "/webhooks/stripe", body: body,
            headers: ["Stripe-Signature": header ?? signatureHeader(body), "Content-Type": "application/json"]
        )
    }

    /// A minimal but current-shaped event, for tests that need many distinct payments.
    public static func event(id: String, type: String, object: String, livemode: Bool = false) -> String {
        """
        {"id":"\(id)","object":"event","api_version":"2025-04-30.basil","created":\(Int(Date().timeIntervalSince1970)),\
        "livemode":\(livemode),"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"\(type)",\
        "data":{"object":\(object)}}
        """
    }

    public static func checkoutCompleted(eventID: String, session: String, paymentIntent: String, account: String, amount: Int64) -> String {
        event(id: eventID, type: "checkout.session.completed", object: """
            {"id":"\(session)","object":"checkout.session","mode":"payment","payment_status":"paid","status":"complete",\
            "amount_total":\(amount),"currency":"usd","client_reference_id":"\(account)","metadata":{},"payment_intent":"\(paymentIntent)"}
            """)
    }

    public static func paymentIntentSucceeded(eventID: String, paymentIntent: String, account: String, amount: Int64) -> String {
        event(id: eventID, type: "payment_intent.succeeded", object: """
            {"id":"\(paymentIntent)","object":"payment_intent","amount":\(amount),"amount_received":\(amount),"currency":"usd",\
            "status":"succeeded","metadata":{"account_id":"\(account)"}}
            """)
    }
}
