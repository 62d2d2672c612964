import GatewayCore

/// Stripe keeps events for 30 days. For older windows, the current objects from the list
/// endpoints are turned into the events that would have announced them, so the same payment
/// machine reads them. Ids are `evt_reconcile_<object id>[_<step>]` and say where they came from.
enum SyntheticEvents {
    static func make(intents: [JSONValue], refunds: [JSONValue], disputes: [JSONValue]) -> [JSONValue] {
        var events: [JSONValue] = []
        for intent in intents where intent["status"]?.stringValue == "succeeded" {
            events.append(event(id: intent["id"], suffix: "", type: "payment_intent.succeeded", object: intent))
        }
        for refund in refunds {
            events.append(event(id: refund["id"], suffix: "", type: "refund.updated", object: refund))
        }
        for dispute in disputes {
            events.append(event(id: dispute["id"], suffix: "_created", type: "charge.dispute.created", object: dispute))
            if let status = dispute["status"]?.stringValue, ["won", "lost", "warning_closed"].contains(status) {
                events.append(event(id: dispute["id"], suffix: "_closed", type: "charge.dispute.closed", object: dispute))
            }
        }
        return events
    }

    private static func event(id: JSONValue?, suffix: String, type: String, object: JSONValue) -> JSONValue {
        .object([
            "id": .string("evt_reconcile_\(id?.stringValue ?? "unknown")\(suffix)"),
            "object": .string("event"),
            "type": .string(type),
            "created": object["created"] ?? .int(0),
            "livemode": object["livemode"] ?? .bool(false),
            "api_version": .null,
            "data": .object(["object": object]),
        ])
    }
}
