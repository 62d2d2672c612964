import Foundation
import GatewayCore

/// A verified Stripe event, decoded leniently: unknown fields are ignored, and only what the
/// payment rules read is kept. The raw bytes are stored separately, unchanged.
public struct StripeEvent: Sendable, Equatable {
    public let id: String
    public let type: String
    public let created: Int64
    public let apiVersion: String?
    public let livemode: Bool
    /// The PaymentIntent the event is about, when it names one.
    public let paymentIntent: String?
    /// What it says about that payment; nil for types we do not handle.
    public let fact: CardPaymentFact?
    /// The Checkout Session (`cs_…`) a session event is about, to link a card top-up we
    /// created to its payment.
    public let checkoutSession: String?
    /// Why a verified event's object cannot be used (an id that cannot name a key); such an
    /// event is recorded with this note and moves nothing.
    public let problem: String?

    /// The event types that move money or close a payment; everything else is only counted.
    public static let handledTypes: Set<String> = [
        "checkout.session.completed", "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed", "checkout.session.expired",
        "payment_intent.succeeded", "charge.refunded", "refund.created", "refund.updated", "refund.failed",
        "charge.refund.updated", "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ]

    /// Longest id or type accepted; Stripe's are well under this.
    static let maxIdentifierLength = 255

    public static func decode(_ body: some Collection<UInt8>) throws(EventDecodingError) -> StripeEvent {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(body))
        } catch {
            throw EventDecodingError("body is not a Stripe event (invalid JSON or missing id, type, created or livemode)")
        }
        guard envelope.object == nil || envelope.object == "event" else {
            throw EventDecodingError("object is \(envelope.object ?? "?"), expected event (thin events need a separate endpoint)")
        }
        guard envelope.id.hasPrefix("evt_"), envelope.id.count <= maxIdentifierLength, envelope.type.count <= maxIdentifierLength else {
            throw EventDecodingError("event id must start with evt_")
        }
        let object = envelope.data?.object
        let paymentIntent = object.flatMap { $0.object == "payment_intent" ? $0.id : $0.paymentIntent?.id }
        let parsed = object.flatMap { Self.fact(type: envelope.type, $0) }
        // Ids become idempotency keys (`stripe:<id>`); Stripe's are always short and
        // alphanumeric, so anything else is refused here rather than stored as a fact.
        var ids: [String] = parsed?.objectIDs ?? []
        if let paymentIntent { ids.append(paymentIntent) }
        let session = object.flatMap { $0.object == "checkout.session" ? $0.id : nil }
        if let session { ids.append(session) }
        // A signed event is Stripe's, so it is kept even then: recorded with the reason, never
        // applied, and visible to operators; refusing it would only make Stripe retry for days.
        if let bad = ids.first(where: { !KeyFormat.isStripeID($0) }) {
            return StripeEvent(
                id: envelope.id, type: envelope.type, created: envelope.created, apiVersion: envelope.apiVersion,
                livemode: envelope.livemode, paymentIntent: nil, fact: nil, checkoutSession: nil,
                problem: "object id \(String(bad.prefix(40)).debugDescription) is not a Stripe id "
                    + "(1–\(KeyFormat.maxStripeIDLength) characters of A-Z, a-z, 0-9, _); recorded, not applied"
            )
        }
        return StripeEvent(
            id: envelope.id, type: envelope.type, created: envelope.created, apiVersion: envelope.apiVersion,
            livemode: envelope.livemode, paymentIntent: paymentIntent,
            fact: parsed, checkoutSession: session, problem: nil
        )
    }

    static func fact(type: String, _ object: DataObject) -> CardPaymentFact? {
        let session = CardPaymentFact.Session(
            mode: object.mode, paymentStatus: object.paymentStatus, amountTotal: object.amountTotal,
            currency: object.currency, clientReferenceID: object.clientReferenceID,
            metadataAccount: object.metadata?["account_id"]
        )
        switch type {
        case "checkout.session.completed": return .sessionCompleted(session)
        case "checkout.session.async_payment_succeeded": return .sessionAsyncSucceeded(session)
        case "checkout.session.async_payment_failed": return .sessionAsyncFailed(session)
        case "checkout.session.expired": return .sessionExpired(session)
        case "payment_intent.succeeded":
            guard let amount = object.amountReceived, let currency = object.currency else { return nil }
            return .paymentIntentSucceeded(amountReceived: amount, currency: currency, metadataAccount: object.metadata?["account_id"])
        case "charge.refunded":
            guard let cumulative = object.amountRefunded else { return nil }
            // Older API versions embed the charge's refunds; each counts as a refund object.
            let embedded = (object.refunds?.data ?? []).compactMap(\.refundObject)
            return .chargeRefunded(charge: object.id, cumulativeRefunded: cumulative, refunds: embedded)
        case "refund.created", "refund.updated", "refund.failed", "charge.refund.updated":
            return object.refundObject.map { .refund($0) }
        case "charge.dispute.created":
            guard let id = object.id, let amount = object.amount else { return nil }
            return .disputeCreated(id: id, amount: amount, status: object.status)
        case "charge.dispute.funds_withdrawn":
            guard let id = object.id, let amount = object.amount else { return nil }
            return .disputeFundsWithdrawn(id: id, amount: amount)
        case "charge.dispute.funds_reinstated":
            guard let id = object.id, let amount = object.amount else { return nil }
            return .disputeFundsReinstated(id: id, amount: amount)
        case "charge.dispute.closed":
            guard let id = object.id, let amount = object.amount, let status = object.status,
                  ["won", "lost", "warning_closed"].contains(status) else { return nil }
            return .disputeClosed(id: id, amount: amount, status: status)
        default:
            return nil
        }
    }

    struct Envelope: Decodable {
        let id: String
        let object: String?
        let type: String
        let created: Int64
        let apiVersion: String?
        let livemode: Bool
        let data: EventData?

        enum CodingKeys: String, CodingKey {
            case id, object, type, created, livemode, data
            case apiVersion = "api_version"
        }
    }

    struct EventData: Decodable {
        let object: DataObject?
    }

    /// The union of the fields read from sessions, PaymentIntents, charges, refunds and disputes.
    struct DataObject: Decodable {
        let id: String?
        let object: String?
        let mode: String?
        let paymentStatus: String?
        let status: String?
        let amount: Int64?
        let amountTotal: Int64?
        let amountReceived: Int64?
        let amountRefunded: Int64?
        let currency: String?
        let clientReferenceID: String?
        let paymentIntent: ExpandableID?
        let metadata: [String: String]?
        /// A charge's embedded refunds (API versions before 2022-11-15).
        let refunds: RefundList?

        var refundObject: CardPaymentFact.RefundObject? {
            guard object == nil || object == "refund", let id, !id.isEmpty, let amount, let status else { return nil }
            return CardPaymentFact.RefundObject(id: id, amount: amount, status: status)
        }

        enum CodingKeys: String, CodingKey {
            case id, object, mode, status, amount, currency, metadata, refunds
            case paymentStatus = "payment_status"
            case amountTotal = "amount_total"
            case amountReceived = "amount_received"
            case amountRefunded = "amount_refunded"
            case clientReferenceID = "client_reference_id"
            case paymentIntent = "payment_intent"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // Every field is optional and a field of an unexpected type reads as absent: one odd
            // field must not make a verified event undecodable.
            id = try? container.decodeIfPresent(String.self, forKey: .id)
            object = try? container.decodeIfPresent(String.self, forKey: .object)
            mode = try? container.decodeIfPresent(String.self, forKey: .mode)
            paymentStatus = try? container.decodeIfPresent(String.self, forKey: .paymentStatus)
            status = try? container.decodeIfPresent(String.self, forKey: .status)
            amount = try? container.decodeIfPresent(Int64.self, forKey: .amount)
            amountTotal = try? container.decodeIfPresent(Int64.self, forKey: .amountTotal)
            amountReceived = try? container.decodeIfPresent(Int64.self, forKey: .amountReceived)
            amountRefunded = try? container.decodeIfPresent(Int64.self, forKey: .amountRefunded)
            currency = (try? container.decodeIfPresent(String.self, forKey: .currency))?.lowercased()
            clientReferenceID = try? container.decodeIfPresent(String.self, forKey: .clientReferenceID)
            paymentIntent = try? container.decodeIfPresent(ExpandableID.self, forKey: .paymentIntent)
            metadata = try? container.decodeIfPresent([String: String].self, forKey: .metadata)
            refunds = try? container.decodeIfPresent(RefundList.self, forKey: .refunds)
        }
    }

    struct RefundList: Decodable {
        let data: [DataObject]?
    }

    /// A reference Stripe sends either as an id string or, when expanded, as an object with `id`.
    struct ExpandableID: Decodable {
        let id: String

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                id = text
            } else {
                struct Object: Decodable { let id: String }
                id = try Object(from: decoder).id
            }
        }
    }
}

public struct EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
