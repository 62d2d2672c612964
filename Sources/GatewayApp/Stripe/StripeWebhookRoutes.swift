import GatewayCore
import HTTPTypes
import Hummingbird
import Logging
import Stripe

/// `POST /webhooks/stripe` on the public listener: verify the raw bytes, record durably,
/// then answer. 4xx only for what a retry cannot fix; store trouble is a 503 Stripe retries.
struct StripeWebhookRoutes {
    let settings: GatewayConfig.StripeSettings
    let ingest: StripeIngest
    let clock: WallClock
    let metrics: GatewayMetrics

    func register(on router: Router<BasicRequestContext>) {
        router.post("/webhooks/stripe") { request, context in try await handle(request, context) }
    }

    private func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard !settings.webhookSecrets.isEmpty else {
            metrics.webhook(outcome: "rejected_not_configured")
            throw APIError(.serviceUnavailable, "not_configured", "STRIPE_WEBHOOK_SECRET is not set")
        }
        // Refuse an announced oversize body before reading any of it.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodyBytes {
            metrics.webhook(outcome: "rejected_body_too_large")
            throw APIError(.contentTooLarge, "body_too_large", "body larger than \(settings.maxBodyBytes) bytes")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: settings.maxBodyBytes)
        } catch {
            metrics.webhook(outcome: "rejected_body_too_large")
            throw APIError(.contentTooLarge, "body_too_large", "body larger than \(settings.maxBodyBytes) bytes")
        }
        let bytes = body.readableBytesView
        let verifier = WebhookSignature(secrets: settings.webhookSecrets.map(\.value), toleranceSeconds: settings.toleranceSeconds)
        do {
            try verifier.verify(header: request.headers[.stripeSignature], body: bytes, now: clock.nowSeconds)
        } catch {
            metrics.webhook(outcome: "rejected_\(error.reason)")
            context.logger.notice("stripe webhook refused", metadata: ["reason": "\(error.reason)"])
            throw APIError(.badRequest, "signature_\(error.reason)", error.description)
        }
        let event: StripeEvent
        do {
            event = try StripeEvent.decode(bytes)
        } catch {
            metrics.webhook(outcome: "rejected_invalid_payload")
            throw APIError(.badRequest, "invalid_payload", error.description)
        }
        let result = try await ingest.ingest(event, rawBody: bytes)
        metrics.webhook(outcome: result == .duplicate ? "duplicate" : "accepted")
        metrics.webhookOutcome(result.label)
        metrics.stripeLag(seconds: clock.nowSeconds - event.created)
        context.logger.info("stripe event recorded", metadata: [
            "event": "\(event.id)", "type": "\(event.type)", "outcome": "\(result.label)",
            "payment_intent": "\(event.paymentIntent ?? "-")",
        ])
        return JSONResponse.make(status: .ok, .object(["received": .bool(true), "outcome": .string(result.label)]))
    }
}

extension HTTPField.Name {
    // A valid header token literal; the failable initializer cannot fail for it.
    static let stripeSignature = HTTPField.Name("Stripe-Signature")!
}
