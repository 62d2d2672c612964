import Foundation
import GatewayCore
import Store
import Stripe

/// Compares what Stripe says happened with what we recorded and sent to the wallet.
///
/// Stripe's events (the last 30 days) are replayed, per payment, through the same pure payment
/// machine the webhook uses, starting from our stored state: any wallet effect that comes out
/// and is not in our outbox is something we missed. Payment amounts are checked against
/// Stripe's, and our card credits in the window are checked to be succeeded payments on Stripe.
/// For older windows the payment-intent, refund and dispute lists stand in for events.
public struct StripeReconciler: Sendable {
    /// Stripe keeps events for 30 days; older data comes from the object lists.
    public static let eventRetentionSeconds: Int64 = 30 * 86_400

    let api: StripeAPIClient
    let database: any Database
    let ingest: StripeIngest
    let livemode: Bool

    public init(api: StripeAPIClient, database: any Database, ingest: StripeIngest, livemode: Bool) {
        self.api = api
        self.database = database
        self.ingest = ingest
        self.livemode = livemode
    }

    struct Fed: Sendable {
        let event: StripeEvent
        let raw: [UInt8]
    }

    public func run(
        since: Int64, until: Int64, fix: Bool, operator name: OperatorName, now: Int64, progress: ProgressCallback? = nil
    ) async throws -> ReconcileReport {
        var report = ReconcileReport(scope: "stripe")
        var window: [(String, String)] = [("created[gte]", "\(since)"), ("created[lte]", "\(until)")]
        var items = try await api.listAll(
            "/v1/events", query: StripeEvent.handledTypes.sorted().map { ("types[]", $0) } + window,
            onPage: { progress?($0, nil) }
        )
        if since < now / 1000 - Self.eventRetentionSeconds {
            window = [("created[gte]", "\(since)"), ("created[lte]", "\(until)")]
            let intents = try await api.listAll("/v1/payment_intents", query: window)
            let refunds = try await api.listAll("/v1/refunds", query: window)
            let disputes = try await api.listAll("/v1/disputes", query: window)
            items += SyntheticEvents.make(intents: intents, refunds: refunds, disputes: disputes)
            report.notes.append("the window starts more than 30 days ago: payment intents, refunds and disputes were listed instead of events")
        }
        var undecodable = 0
        var byPayment: [String: [Fed]] = [:]
        var seenEvents: Set<String> = []
        for item in items {
            let raw = Array(item.canonicalText.utf8)
            guard let event = try? StripeEvent.decode(raw), seenEvents.insert(event.id).inserted else {
                undecodable += 1
                continue
            }
            guard let pi = event.paymentIntent, event.fact != nil else { continue }
            byPayment[pi, default: []].append(Fed(event: event, raw: raw))
        }
        if undecodable > 0 { report.notes.append("\(undecodable) listed item(s) could not be read as events and were skipped") }

        var succeededOnStripe: Set<String> = []
        let payments = byPayment.keys.sorted()
        for (index, pi) in payments.enumerated() {
            let events = byPayment[pi]!.sorted { ($0.event.created, $0.event.id) < ($1.event.created, $1.event.id) }
            try await check(pi, events: events, fix: fix, operator: name, now: now, report: &report, succeeded: &succeededOnStripe)
            progress?(index + 1, payments.count)
        }
        let ours = try await checkOurCredits(
            fromMillis: since * 1000, toMillis: until * 1000 + 999, known: succeededOnStripe, fix: fix, operator: name, now: now,
            report: &report
        )
        let topups = try await checkTopups(fromMillis: since * 1000, toMillis: until * 1000 + 999, report: &report)
        report.checked = [("Stripe events", items.count), ("payments", payments.count), ("card credits of ours", ours), ("card top-ups", topups)]
        return report
    }

    /// Most open sessions asked about per run; a session lives 24 hours, so a backlog this large
    /// means something else is wrong, and the rest is reported on the next run.
    static let maxOpenTopupsChecked = 500

    /// Card top-ups: a session that completed without a credit, by our records (its payment is
    /// parked, failed or was never seen) or by Stripe's (we never got its completion event).
    private func checkTopups(fromMillis: Int64, toMillis: Int64, report: inout ReconcileReport) async throws -> Int {
        let store = CardTopupStore(database: database)
        let stalled = try await store.completedWithoutCredit(limit: Self.maxOpenTopupsChecked)
        for (topup, status) in stalled {
            report.discrepancies.append(Discrepancy(
                kind: "topup_not_credited", subject: topup.sessionID, account: topup.account.rawValue,
                detail: "Checkout Session for \(topup.amount) completed (payment \(topup.paymentIntent ?? "unknown")); "
                    + "the payment is \(status ?? "not recorded")",
                action: "`gateway payments show \(topup.paymentIntent ?? "pi_…")` says why; a parked payment is released with `gateway payments release`"
            ))
        }
        let open = try await store.open(createdFrom: fromMillis, to: toMillis, limit: Self.maxOpenTopupsChecked)
        for topup in open {
            let session: JSONValue
            do { session = try await api.get("/v1/checkout/sessions/\(topup.sessionID)") } catch let error as OperatorError where error.kind == .refused {
                report.discrepancies.append(Discrepancy(
                    kind: "topup_unknown_to_stripe", subject: topup.sessionID, account: topup.account.rawValue,
                    detail: "we recorded a Checkout Session for \(topup.amount); Stripe has none (\(error.message))",
                    action: "check STRIPE_API_KEY's account and mode"
                ))
                continue
            }
            guard session["status"]?.stringValue == "complete", session["payment_status"]?.stringValue == "paid" else { continue }
            report.discrepancies.append(Discrepancy(
                kind: "topup_completed_without_credit", subject: topup.sessionID, account: topup.account.rawValue,
                detail: "Stripe says the Checkout Session for \(topup.amount) was paid (payment \(session["payment_intent"]?.stringValue ?? "unknown")); "
                    + "its completion never reached us",
                action: "--fix replays the session's events from Stripe; check the webhook endpoint's deliveries"
            ))
        }
        return stalled.count + open.count
    }

    // MARK: - One payment

    private func check(
        _ pi: String, events: [Fed], fix: Bool, operator name: OperatorName, now: Int64,
        report: inout ReconcileReport, succeeded: inout Set<String>
    ) async throws {
        let (stored, existing) = try await database.transaction { db -> (CardPayment, [AccountID: Currency]) in
            let stored = try await PaymentStates.read(pi, livemode: livemode, db) ?? CardPayment(paymentIntent: pi)
            return (stored, try await StripeIngest.existingAccounts(Self.candidateAccounts(events.map(\.event)).sorted(), db))
        }
        var simulated = stored
        var effects: [(CardPaymentEffect, String)] = []
        for fed in events {
            guard let fact = fed.event.fact else { continue }
            let (_, produced) = simulated.apply(
                CardPaymentInput(eventID: fed.event.id, paymentIntent: pi, livemode: fed.event.livemode, fact: fact),
                context: CardPayment.Context(livemode: livemode, walletCurrencies: ingest.walletCurrencies, accounts: existing)
            )
            effects += produced.map { ($0, fed.event.id) }
        }
        var missing: [Discrepancy] = []
        for (effect, eventID) in effects where try await OutboxStore(database: database).item(key: effect.key) == nil {
            missing.append(Discrepancy(
                kind: Self.missingKind(effect.kind), subject: effect.key.rawValue, account: effect.account.rawValue,
                detail: "Stripe \(effect.stripeObject) (\(eventID)) means \(Money(effect.amountCents, effect.currency)); we never recorded it",
                action: "--fix feeds the payment's events through the webhook logic"
            ))
        }
        if !missing.isEmpty, fix {
            // Each event is fed with its audit entry in its own transaction.
            let note = StripeIngest.AuditNote(
                action: "reconcile.stripe.fix", operatorName: name,
                details: .object(["stripe_payment_intent": .string(pi), "missing": .array(missing.map { .string($0.subject) })])
            )
            for fed in events {
                _ = try await AuditLog.withRetry { try await ingest.ingest(fed.event, rawBody: fed.raw, reapply: true, audit: note) }
            }
            for index in missing.indices {
                missing[index].fixed = try await OutboxStore(database: database).item(key: try IdempotencyKey(missing[index].subject)) != nil
            }
        }
        report.discrepancies += missing
        if simulated.base == .parked {
            report.discrepancies.append(Discrepancy(
                kind: "parked_payment", subject: pi, account: simulated.account,
                detail: "Stripe reports this payment; ours is parked: \(simulated.parkedDetail ?? "no reason")",
                action: Self.parkedAction(simulated, walletCurrencies: ingest.walletCurrencies)
            ))
        }
        if simulated.legacyRefundPool > 0 {
            report.discrepancies.append(Discrepancy(
                kind: "unattributed_refund_debit", subject: pi, account: simulated.account,
                detail: "\(simulated.legacyRefundPool) cents of refunds debited before the per-refund rules are not tied to a refund Stripe reported",
                action: "compare the charge's refunds in the Stripe dashboard; give back what no refund explains with `gateway adjust`"
            ))
        }
        guard let (truth, truthCurrency) = Self.succeededAmount(events.map(\.event)) else { return }
        succeeded.insert(pi)
        let key = try IdempotencyKey.stripePayment(pi)
        guard let credit = try await OutboxStore(database: database).item(key: key) else { return }  // missing: reported above
        try await compareAmount(
            pi: pi, credit: credit, stripeCents: truth, stripeCurrency: truthCurrency?.code, fix: fix, operator: name, now: now, report: &report
        )
    }

    // MARK: - Our credits against Stripe

    /// Card credits we recorded in the window whose payment the events did not show succeeding:
    /// each is looked up on Stripe. Returns how many of ours were checked.
    private func checkOurCredits(
        fromMillis: Int64, toMillis: Int64, known: Set<String>, fix: Bool, operator name: OperatorName, now: Int64,
        report: inout ReconcileReport
    ) async throws -> Int {
        var checked = 0
        var after: Int64 = 0
        let store = OutboxStore(database: database)
        while true {
            let page = try await store.list(kind: .cardTopup, createdFrom: fromMillis, to: toMillis, afterID: after, limit: 500)
            for credit in page {
                checked += 1
                let pi = String(credit.key.rawValue.dropFirst(KeyFormat.stripe("").count))
                guard credit.key.rawValue.hasPrefix(KeyFormat.stripePaymentPrefix), !known.contains(pi) else { continue }
                let intent: JSONValue
                do { intent = try await api.get("/v1/payment_intents/\(pi)") } catch let error as OperatorError where error.kind == .refused {
                    report.discrepancies.append(Discrepancy(
                        kind: "credited_not_succeeded", subject: credit.key.rawValue, account: credit.account.rawValue,
                        detail: "we credited \(credit.amount) cents; Stripe has no payment intent \(pi)",
                        action: "check livemode and the API key's account; reverse with `gateway adjust` if the payment is not real"
                    ))
                    continue
                }
                let status = intent["status"]?.stringValue ?? "unknown"
                guard status == "succeeded", let received = intent["amount_received"]?.intValue else {
                    report.discrepancies.append(Discrepancy(
                        kind: "credited_not_succeeded", subject: credit.key.rawValue, account: credit.account.rawValue,
                        detail: "we credited \(credit.amount) cents; Stripe shows the payment as \(status)",
                        action: "check the payment in the Stripe dashboard; reverse with `gateway adjust` if it did not succeed"
                    ))
                    continue
                }
                try await compareAmount(
                    pi: pi, credit: credit, stripeCents: received, stripeCurrency: intent["currency"]?.stringValue, fix: fix, operator: name,
                    now: now, report: &report
                )
            }
            after = page.last?.id ?? after
            if page.count < 500 { return checked }
        }
    }

    /// Our credit (plus any earlier correction) against Stripe's amount. `--fix` writes one
    /// correction, keyed `stripe:pi_…:correction`, so a second run sees the sum agree.
    /// Amounts compare only within one currency: a credit in another currency than Stripe's
    /// payment (`stripeCurrency`, as Stripe writes it) is a discrepancy of its own, never "fixed"
    /// by a number.
    private func compareAmount(
        pi: String, credit: OutboxItem, stripeCents: Int64, stripeCurrency: String?, fix: Bool, operator name: OperatorName, now: Int64,
        report: inout ReconcileReport
    ) async throws {
        let creditCurrency = credit.currency ?? .usd
        guard let stripe = stripeCurrency.flatMap({ try? Currency($0) }), stripe == creditCurrency else {
            report.discrepancies.append(Discrepancy(
                kind: "currency_mismatch", subject: credit.key.rawValue, account: credit.account.rawValue,
                detail: "we credited \(Money(credit.signedCents, creditCurrency)); Stripe's payment is in \(stripeCurrency?.uppercased() ?? "an unknown currency")",
                action: "settle by hand with `gateway adjust`; no automatic fix converts currencies"
            ))
            return
        }
        let correctionKey = try IdempotencyKey.correction(of: credit.key)
        let correction = try await OutboxStore(database: database).item(key: correctionKey)
        let ours = credit.signedCents + (correction?.signedCents ?? 0)
        guard ours != stripeCents else { return }
        let difference = stripeCents - ours
        var item = Discrepancy(
            kind: "amount_mismatch", subject: credit.key.rawValue, account: credit.account.rawValue,
            detail: "Stripe received \(Money(stripeCents, creditCurrency)); we credited \(Money(ours, creditCurrency))",
            action: correction == nil ? "--fix records a correction of \(Money(difference, creditCurrency))" : "a correction exists already; decide by hand with `gateway adjust`"
        )
        if fix, correction == nil {
            let request = OutboxRequest(
                key: correctionKey, account: credit.account, direction: difference > 0 ? .credit : .debit,
                amount: try PositiveCents(Int64(difference.magnitude)), currency: creditCurrency, kind: .adjustment, reference: pi,
                description: "Reconciliation: Stripe received \(Money(stripeCents, creditCurrency)) for \(pi), \(Money(ours, creditCurrency)) were credited",
                detailsJSON: JSONValue.object([
                    "source": .string("reconcile"), "stripe_payment_intent": .string(pi), "stripe_amount_cents": .int(stripeCents),
                    "credited_cents": .int(ours),
                ]).canonicalText,
                allowNegative: difference < 0
            )
            item.fixed = try await AuditLog.withRetry {
                try await database.transaction { db in
                    guard try await OutboxStore.enqueue(request, now: now, db) else { return false }
                    try await AuditLog.append(
                        "reconcile.stripe.fix", subject: pi, operator: name,
                        details: .object(["correction_key": .string(correctionKey.rawValue), "amount_cents": .int(difference)]),
                        now: now, db
                    )
                    return true
                }
            }
        }
        report.discrepancies.append(item)
    }

    // MARK: - Pure helpers

    static func parkedAction(_ payment: CardPayment, walletCurrencies: Set<Currency>) -> String {
        switch payment.releasable(walletCurrencies: walletCurrencies) {
        case .success(let net):
            let waits = payment.park?.waitsForOperator == false ? "a later event naming an existing account credits it; or " : ""
            let amount = payment.currency.flatMap { try? Currency($0) }.map { Money(net, $0).description } ?? "\(net) minor units"
            return "\(waits)`gateway payments release \(payment.paymentIntent) --account ID --operator NAME --reason TEXT` credits \(amount) net"
        case .failure(let refusal):
            return "cannot be released: \(refusal)"
        }
    }

    static func missingKind(_ kind: EntryKind) -> String {
        switch kind {
        case .cardTopup: "missing_credit"
        case .refund: "unapplied_refund"
        case .dispute: "unapplied_dispute"
        case .disputeReversal: "unapplied_dispute_reversal"
        case .refundReversal: "unapplied_refund_reversal"
        default: "missing_effect"
        }
    }

    /// Every account id any event names, so the machine's account resolution sees which exist.
    static func candidateAccounts(_ events: [StripeEvent]) -> Set<String> {
        var names: Set<String> = []
        for event in events {
            switch event.fact {
            case .sessionCompleted(let session), .sessionAsyncSucceeded(let session):
                if let id = session.clientReferenceID { names.insert(id) }
                if let id = session.metadataAccount { names.insert(id) }
            case .paymentIntentSucceeded(_, _, let account?):
                names.insert(account)
            default:
                break
            }
        }
        return names
    }

    /// What Stripe says was paid: the PaymentIntent's `amount_received` when an event carries
    /// it, else a paid session's `amount_total`.
    /// What Stripe received for a payment, and in which currency (nil when unreadable).
    static func succeededAmount(_ events: [StripeEvent]) -> (Int64, Currency?)? {
        var fromSession: (Int64, Currency?)?
        var fromIntent: (Int64, Currency?)?
        for event in events {
            switch event.fact {
            case .paymentIntentSucceeded(let received, let currency, _):
                fromIntent = (received, try? Currency(currency))
            case .sessionCompleted(let session) where session.paymentStatus == "paid" && session.mode == "payment",
                 .sessionAsyncSucceeded(let session):
                if let total = session.amountTotal { fromSession = (total, session.currency.flatMap { try? Currency($0) }) }
            default:
                break
            }
        }
        return fromIntent ?? fromSession
    }
}

extension OutboxItem {
    var signedCents: Int64 { direction == .credit ? amount.value : -amount.value }
}
