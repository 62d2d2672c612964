import ArgumentParser
import GatewayApp
import GatewayCore

struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Card payments (Stripe PaymentIntents) and what happened to them.",
        subcommands: [List.self, Show.self, Release.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List payments, most recently changed first.")
        @Option(help: "pending, succeeded, partially_refunded, refunded, disputed, dispute_won, dispute_lost, failed, expired, parked, awaiting_payment")
        var status: String?
        @Flag(help: "Only parked payments (same as --status parked).") var parked = false
        @Option(help: "Rows to show (1–10000).") var limit = 200
        @OptionGroup var output: OutputOptions

        func run() async throws {
            guard (1...10_000).contains(limit) else {
                CommandSupport.printError("gateway: --limit must be 1–10000")
                throw Exit.configuration
            }
            let filter = parked ? "parked" : status
            try await CommandSupport.withGateway { gateway in
                let rows = try await gateway.payments(status: filter, limit: limit)
                if output.json { print(JSONValue.array(rows.map(gateway.paymentViews.paymentJSON)).canonicalText) }
                else { print(gateway.paymentViews.paymentsTable(rows).render()) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A payment: its state, its events in order, its ledger effects.")
        @Argument(help: "PaymentIntent id (pi_…).") var id: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await CommandSupport.withGateway { gateway in
                guard let detail = try await gateway.paymentDetail(id) else {
                    CommandSupport.printError("gateway: no payment \(id)")
                    throw Exit.failure
                }
                if output.json { print(detail.canonicalText); return }
                let payment = detail["payment"]?.objectValue ?? [:]
                for key in ["payment_intent", "status", "account_id", "amount_minor", "currency", "parked_reason"] {
                    if let value = payment[key] { print("\(key): \(value.stringValue ?? value.intValue.map(String.init) ?? "")") }
                }
                if let topup = detail["card_topup"]?.objectValue {
                    print("card_topup: \(topup["id"]?.stringValue ?? "") (\(topup["status"]?.stringValue ?? ""), created \(topup["created_at"]?.stringValue ?? ""))")
                }
                var events = TextTable("EVENT", "TYPE", "OUTCOME", "RECEIVED", "NOTE")
                if case .array(let list)? = detail["events"] {
                    for event in list {
                        events.add(
                            event["id"]?.stringValue ?? "", event["type"]?.stringValue ?? "", event["outcome"]?.stringValue ?? "",
                            event["received_at"]?.stringValue ?? "", event["note"]?.stringValue ?? ""
                        )
                    }
                }
                print("\nevents:\n" + events.render())
                var effects = TextTable("OUTBOX", "KEY", "KIND", "AMOUNT", "STATUS")
                if case .array(let list)? = detail["ledger_effects"] {
                    for item in list {
                        let sign = item["direction"]?.stringValue == "debit" ? "-" : "+"
                        effects.add(
                            "\(item["id"]?.intValue ?? 0)", item["idempotency_key"]?.stringValue ?? "", item["kind"]?.stringValue ?? "",
                            sign + PaymentViews.format(item["amount_minor"]?.intValue ?? 0, item["currency"]?.stringValue ?? payment["currency"]?.stringValue)
                                + " " + (item["currency"]?.stringValue ?? payment["currency"]?.stringValue?.uppercased() ?? ""),
                            item["status"]?.stringValue ?? ""
                        )
                    }
                }
                print("\nledger effects:\n" + effects.render())
                if case .array(let fetches)? = detail["refund_fetches"], !fetches.isEmpty {
                    var table = TextTable("CHARGE", "ATTEMPTS", "REQUESTED", "LAST ERROR")
                    for fetch in fetches {
                        table.add(
                            fetch["charge"]?.stringValue ?? "", "\(fetch["attempts"]?.intValue ?? 0)",
                            fetch["requested_at"]?.stringValue ?? "", fetch["last_error"]?.stringValue ?? ""
                        )
                    }
                    print("\nrefunds still to fetch from Stripe:\n" + table.render())
                }
            }
        }
    }
}

extension PaymentsCommand {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Credit a parked payment to an account, net of its refunds and disputes (audited, exactly once).",
            discussion: """
                Only a payment parked for an operator can be released, and only when a paid or succeeded event was \
                recorded for it; never one parked for livemode_mismatch. Releasing again changes nothing and says so.
                """
        )
        @Argument(help: "PaymentIntent id (pi_…).") var id: String
        @Option(help: "The account to credit.") var account: String
        @OptionGroup var actor: OperatorOptions
        @Option(help: "Why: a ticket or a sentence, kept in the audit log.") var reason: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await CommandSupport.withGateway { gateway in
                let release = try PaymentRelease(
                    paymentIntent: id, account: account, operatorName: try actor.resolve(), reason: reason
                )
                let outcome = try await release.record(
                    in: gateway.database, livemode: gateway.config.stripe.livemode,
                    walletCurrencies: gateway.config.currencies.walletCurrencies, now: gateway.clock.nowMillis()
                )
                switch outcome {
                case .released(let net, let keys, let seq):
                    if output.json {
                        print(JSONValue.object([
                            "released": .bool(true), "payment_intent": .string(id), "account_id": .string(account),
                            "net_cents": .int(net), "keys": .array(keys.map { .string($0) }), "audit_seq": .int(seq),
                        ]).canonicalText)
                    } else {
                        print("released \(id) to \(account): \(Cents(net)) net (\(keys.joined(separator: ", "))); audit entry \(seq)")
                    }
                case .alreadyReleased(let to, let by):
                    if output.json {
                        print(JSONValue.object([
                            "released": .bool(false), "payment_intent": .string(id), "already_released_to": .string(to),
                            "operator": .string(by),
                        ]).canonicalText)
                    } else {
                        print("\(id) was already released to \(to) by \(by); nothing changed")
                    }
                }
            }
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Recorded Stripe events.",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One recorded event: what we did with it, and its raw payload.")
        @Argument(help: "Event id (evt_…).") var id: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await CommandSupport.withGateway { gateway in
                guard let event = try await gateway.stripeEvent(id) else {
                    CommandSupport.printError("gateway: no event \(id)")
                    throw Exit.failure
                }
                var summary = PaymentViews.eventSummaryJSON(event)
                if output.json {
                    if case .object(var fields) = summary {
                        fields["payload"] = (try? JSONValue.parse(Array(event.payload.utf8))) ?? .string(event.payload)
                        summary = .object(fields)
                    }
                    print(summary.canonicalText)
                    return
                }
                for key in ["id", "type", "outcome", "note", "payment_intent", "created", "received_at", "api_version"] {
                    if let value = summary[key]?.stringValue { print("\(key): \(value)") }
                }
                print("payload:\n\(event.payload)")
            }
        }
    }
}
