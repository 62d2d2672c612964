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
            let (withdrawn, reinstated) = funds(dispute)
            if withdrawn {
                events.append(event(id: dispute["id"], suffix: "_withdrawn", type: "charge.dispute.funds_withdrawn", object: dispute))
            }
            if reinstated {
                events.append(event(id: dispute["id"], suffix: "_reinstated", type: "charge.dispute.funds_reinstated", object: dispute))
            }
            if let status = dispute["status"]?.stringValue, ["won", "lost", "warning_closed"].contains(status) {
                events.append(event(id: dispute["id"], suffix: "_closed", type: "charge.dispute.closed", object: dispute))
            }
        }
        return events
    }

    /// Whether Stripe took the disputed funds and gave them back, from the dispute's balance
    /// transactions (negative: withdrawn, positive: reinstated). Without them, a chargeback
    /// (any status but an inquiry's `warning_*`) had its funds withdrawn when it opened.
    static func funds(_ dispute: JSONValue) -> (withdrawn: Bool, reinstated: Bool) {
        if case .array(let transactions)? = dispute["balance_transactions"] {
            let amounts = transactions.compactMap { $0["amount"]?.intValue }
            if !amounts.isEmpty { return (amounts.contains { $0 < 0 }, amounts.contains { $0 > 0 }) }
        }
        let status = dispute["status"]?.stringValue ?? ""
        return (!status.hasPrefix("warning_") && !status.isEmpty, false)
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
