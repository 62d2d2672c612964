import GatewayCore
import GatewayTestSupport
import Testing

@Suite("Wallet API")
struct WalletAPITests {
    @Test(arguments: TestBackend.available)
    func accounts(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        let created = try await gw.request(.POST, "/v1/accounts", body: #"{"id":"acct_A-1","currency":"USD"}"#)
        #expect(created.status == 201)
        #expect(created.json?["balance_cents"]?.intValue == 0)
        #expect(created.json?["currency"]?.stringValue == "USD")
        let again = try await gw.request(.POST, "/v1/accounts", body: #"{"id":"acct_A-1","currency":"USD"}"#)
        #expect(again.status == 200)
        #expect(again.json == created.json)

        let eur = try await gw.request(.POST, "/v1/accounts", body: #"{"id":"acct_2","currency":"EUR"}"#)
        #expect(eur.status == 422)
        #expect(eur.json?["error"]?["code"]?.stringValue == "unsupported_currency")
        for bad in [#"{"id":"has space"}"#, #"{"id":""}"#, #"{"id":"\#(String(repeating: "x", count: 65))"}"#, #"{"id":5}"#] {
            let response = try await gw.request(.POST, "/v1/accounts", body: bad)
            #expect(response.status == 422, "\(bad)")
            #expect(response.json?["error"]?["code"]?.stringValue == "invalid_account_id")
        }
        #expect(try await gw.request(.POST, "/v1/accounts", body: "{not json").status == 400)

        let shown = try await gw.request(.GET, "/v1/accounts/acct_A-1")
        #expect(shown.status == 200)
        #expect(shown.json?["id"]?.stringValue == "acct_A-1")
        let missing = try await gw.request(.GET, "/v1/accounts/nobody")
        #expect(missing.status == 404)
        #expect(missing.json?["error"]?["code"]?.stringValue == "account_not_found")
    }

    @Test(arguments: TestBackend.available)
    func creditsAndDebits(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        try await gw.createAccount("a1")
        func post(_ path: String, _ key: String?, _ body: String) async throws -> TestResponse {
            try await gw.request(.POST, "/v1/accounts/a1/\(path)", body: body, headers: key.map { ["Idempotency-Key": $0] } ?? [:])
        }
        let body = #"{"amount_cents":1500,"kind":"crypto_topup","reference":"0xabc","description":"ETH deposit","details":{"asset":"ETH","amount":"1000000000000000000","tx_hash":"0xabc","rate":{"pair":"ETH/USD","price":"1500.00"}}}"#
        let missingKey = try await post("credits", nil, body)
        #expect(missingKey.status == 400)
        #expect(missingKey.json?["error"]?["code"]?.stringValue == "missing_idempotency_key")

        let first = try await post("credits", "k-1", body)
        #expect(first.status == 201)
        #expect(first.json?["amount_cents"]?.intValue == 1500)
        #expect(first.json?["balance_after_cents"]?.intValue == 1500)
        #expect(first.json?["details"]?["rate"]?["price"]?.stringValue == "1500.00")
        let replay = try await post("credits", "k-1", body)
        #expect(replay.status == 200)
        #expect(replay.json == first.json)
        let conflict = try await post("credits", "k-1", #"{"amount_cents":1501,"kind":"crypto_topup"}"#)
        #expect(conflict.status == 409)
        #expect(conflict.json?["error"]?["code"]?.stringValue == "idempotency_conflict")

        for (bad, code) in [
            (#"{"amount_cents":0,"kind":"usage"}"#, "invalid_amount"),
            (#"{"amount_cents":-5,"kind":"usage"}"#, "invalid_amount"),
            (#"{"amount_cents":1.5,"kind":"usage"}"#, "invalid_amount"),
            (#"{"amount_cents":100.0,"kind":"usage"}"#, "invalid_amount"),
            (#"{"amount_cents":1e2,"kind":"usage"}"#, "invalid_amount"),
            (#"{"amount_cents":"100","kind":"usage"}"#, "invalid_amount"),
            (#"{"amount_cents":99999999999999999999,"kind":"usage"}"#, "invalid_amount"),
            (#"{"amount_cents":100,"kind":"gift"}"#, "invalid_kind"),
        ] {
            let response = try await post("credits", "bad-\(code)-\(bad.count)", bad)
            #expect(response.status == 422, "\(bad)")
            #expect(response.json?["error"]?["code"]?.stringValue == code, "\(bad)")
        }
        // Ambiguous or broken documents change nothing: 400, whatever the key.
        for bad in [#"{"amount_cents":100,"amount_cents":1,"kind":"usage"}"#, "{\"amount_cents\":100,\"kind\":\"usage\"", "\u{FEFF}{}"] {
            let response = try await post("credits", "bad-json-\(bad.count)", bad)
            #expect(response.status == 400, "\(bad)")
            #expect(response.json?["error"]?["code"]?.stringValue == "invalid_json", "\(bad)")
        }
        let overflow = try await post("credits", "big", #"{"amount_cents":9223372036854775807,"kind":"adjustment"}"#)
        #expect(overflow.status == 422)
        #expect(overflow.json?["error"]?["code"]?.stringValue == "amount_overflow")

        let unknown = try await gw.request(.POST, "/v1/accounts/ghost/credits", body: #"{"amount_cents":1,"kind":"usage"}"#,
                                           headers: ["Idempotency-Key": "g-1"])
        #expect(unknown.status == 404)

        let tooMuch = try await post("debits", "d-1", #"{"amount_cents":1501,"kind":"usage"}"#)
        #expect(tooMuch.status == 409)
        #expect(tooMuch.json?["error"]?["code"]?.stringValue == "insufficient_funds")
        let debit = try await post("debits", "d-2", #"{"amount_cents":500,"kind":"usage"}"#)
        #expect(debit.status == 201)
        #expect(debit.json?["amount_cents"]?.intValue == -500)
        let refund = try await post("debits", "d-3", #"{"amount_cents":2000,"kind":"refund","allow_negative":true}"#)
        #expect(refund.status == 201)
        #expect(refund.json?["balance_after_cents"]?.intValue == -1000)
        #expect(try await gw.balance("a1") == -1000)
    }

    @Test(arguments: TestBackend.available)
    func historyPaginatesNewestFirst(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        try await gw.createAccount("h1")
        for index in 1...7 {
            let response = try await gw.request(.POST, "/v1/accounts/h1/credits", body: #"{"amount_cents":\#(index),"kind":"adjustment"}"#,
                                                headers: ["Idempotency-Key": "h-\(index)"])
            #expect(response.status == 201)
        }
        var amounts: [Int64] = []
        var cursor: String?
        var pages = 0
        repeat {
            let query = "limit=3" + (cursor.map { "&starting_after=\($0)" } ?? "")
            let page = try await gw.request(.GET, "/v1/accounts/h1/transactions?\(query)")
            #expect(page.status == 200)
            guard case .array(let data)? = page.json?["data"] else { break }
            amounts += data.compactMap { $0["amount_cents"]?.intValue }
            cursor = page.json?["has_more"]?.boolValue == true ? data.last?["id"]?.stringValue : nil
            pages += 1
        } while cursor != nil && pages < 10
        #expect(amounts == [7, 6, 5, 4, 3, 2, 1])
        #expect(pages == 3)
        #expect(try await gw.request(.GET, "/v1/accounts/h1/transactions?limit=0").status == 400)
        #expect(try await gw.request(.GET, "/v1/accounts/h1/transactions?limit=101").status == 400)
        #expect(try await gw.request(.GET, "/v1/accounts/h1/transactions?starting_after=x").status == 400)
        #expect(try await gw.request(.GET, "/v1/accounts/nobody/transactions").status == 404)
    }

    @Test("200 concurrent credits and debits to one account lose nothing", arguments: TestBackend.available)
    func concurrentPosts(backend: TestBackend) async throws {
        let gw = try await TestGateway.start(backend: backend, parts: [.internalHTTP])
        defer { Task { await gw.stop() } }
        try await gw.createAccount("busy")
        // Credits of 100..299 and debits of 1..(small) with allow_negative so order never matters.
        let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let isCredit = index % 2 == 0
                    let body = isCredit
                        ? #"{"amount_cents":\#(100 + index),"kind":"card_topup"}"#
                        : #"{"amount_cents":\#(index),"kind":"usage","allow_negative":true}"#
                    return try await gw.request(.POST, "/v1/accounts/busy/\(isCredit ? "credits" : "debits")", body: body,
                                                headers: ["Idempotency-Key": "c-\(index)"]).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 201 })
        var expected: Int64 = 0
        for index in 0..<200 {
            expected += index % 2 == 0 ? Int64(100 + index) : -Int64(index)
        }
        #expect(try await gw.balance("busy") == expected)
        // Every entry's balance_after is the running sum in id order.
        let entries = try await gw.gateway.wallet.history(try AccountID("busy"), limit: 1000, startingAfter: nil).reversed()
        var running: Int64 = 0
        for entry in entries {
            running += entry.amount.minor
            #expect(entry.balanceAfter.minor == running)
        }
        #expect(entries.count == 200)
        #expect(try await gw.gateway.wallet.balanceMismatches().isEmpty)
    }
}
