import Crypto
import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import Store

/// The read-only operator console under `/console` on the internal listener.
///
/// Operators sign in with their own token (`GATEWAY_OPERATOR_TOKENS`), which sets an
/// `HttpOnly`, `SameSite=Strict` session cookie scoped to `/console`; the bearer-token API never
/// accepts it. Sessions live in the store (so every instance honours them and sign-out ends
/// them everywhere) and expire. Every form carries a CSRF token: a double-submit cookie before
/// sign-in, the session's own token after.
struct ConsoleRoutes {
    /// How long a sign-in lasts; an incident shift, not a week.
    static let sessionLifetimeMillis: Int64 = 8 * 3_600_000
    /// Largest form accepted (a token and a CSRF value).
    static let maxFormBytes = 4 * 1024
    /// Rows per page; the CLI pages further.
    static let pageRows = 200
    static let sessionCookie = "gw_console"
    static let loginCookie = "gw_console_login"
    /// A failed sign-in is answered only after this: tokens are long, and guessing gets slower.
    static let failedSignInDelay: Duration = .milliseconds(750)

    let gateway: Gateway
    let operators: [OperatorToken]

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/style.css") { _, _ in
            Self.respond(.ok, ConsoleHTML.stylesheet, contentType: "text/css; charset=utf-8")
        }
        router.get("/console") { request, _ in try await entry(request) }
        router.post("/console/sign-in") { request, _ in try await signIn(request) }
        router.post("/console/sign-out") { request, _ in try await signOut(request) }
        for page in ConsoleHTML.Page.allCases {
            router.get("/console/\(page.rawValue)") { request, _ in try await show(page, request) }
        }
    }

    // MARK: - Sign-in

    private func entry(_ request: Request) async throws -> Response {
        guard !operators.isEmpty else { return Self.respond(.serviceUnavailable, ConsoleHTML.off()) }
        if try await session(request) != nil { return Self.redirect("/console/overview") }
        return signInPage(status: .ok, error: nil)
    }

    private func signInPage(status: HTTPResponse.Status, error: String?) -> Response {
        let csrf = Self.randomToken()
        return Self.respond(status, ConsoleHTML.signIn(csrf: csrf, error: error), cookies: [
            "\(Self.loginCookie)=\(csrf); Path=/console; HttpOnly; SameSite=Strict; Max-Age=600",
        ])
    }

    private func signIn(_ request: Request) async throws -> Response {
        guard !operators.isEmpty else { return Self.respond(.serviceUnavailable, ConsoleHTML.off()) }
        let form = try await Self.form(request)
        // Double submit: a cross-site form cannot read or set our SameSite=Strict cookie.
        guard let sent = form["csrf"], Self.isToken(sent), let cookie = Self.cookies(request)[Self.loginCookie], Self.isToken(cookie),
              constantTimeEquals(Array(cookie.utf8), Array(sent.utf8)) else {
            return signInPage(status: .forbidden, error: "The form expired; sign in again.")
        }
        let presented = Array((form["token"] ?? "").utf8)
        // Every token is compared, so the time taken says nothing about which one matched.
        var matched: OperatorToken?
        for candidate in operators where candidate.token.matches(presented) && matched == nil { matched = candidate }
        guard let matched else {
            gateway.logger.warning("console sign-in refused: not an operator's token")
            try await Task.sleep(for: Self.failedSignInDelay)
            return signInPage(status: .unauthorized, error: "That token is not an operator's.")
        }
        gateway.logger.notice("console sign-in", metadata: ["operator": "\(matched.name)"])
        let id = Self.randomToken(), csrf = Self.randomToken()
        let now = gateway.clock.nowMillis()
        try await gateway.database.transaction { db in
            try await ConsoleSessionStore.create(
                idHash: Self.hash(id), operatorName: matched.name.rawValue, tokenFingerprint: matched.fingerprint, csrf: csrf, now: now,
                expiresAt: now + Self.sessionLifetimeMillis, db
            )
        }
        return Self.redirect("/console/overview", cookies: [
            "\(Self.sessionCookie)=\(id); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(Self.sessionLifetimeMillis / 1000)",
            "\(Self.loginCookie)=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0",
        ])
    }

    private func signOut(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        if let (idHash, session) = try await session(request) {
            guard let sent = form["csrf"], Self.isToken(sent), constantTimeEquals(Array(session.csrf.utf8), Array(sent.utf8)) else {
                return Self.respond(.forbidden, ConsoleHTML.document(title: "Forbidden", body: "<main><p>The form expired.</p></main>"))
            }
            try await gateway.database.transaction { db in try await ConsoleSessionStore.delete(idHash: idHash, db) }
            gateway.logger.notice("console sign-out", metadata: ["operator": "\(session.operatorName)"])
        }
        return Self.redirect("/console", cookies: ["\(Self.sessionCookie)=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0"])
    }

    /// The live session the request's cookie names, if any: unexpired, and opened with a token
    /// its operator still has (removing an operator or changing their token ends their sessions).
    private func session(_ request: Request) async throws -> (String, ConsoleSessionStore.Session)? {
        guard let id = Self.cookies(request)[Self.sessionCookie], Self.isToken(id) else { return nil }
        let idHash = Self.hash(id)
        let now = gateway.clock.nowMillis()
        guard let session = try await gateway.database.transaction({ db in try await ConsoleSessionStore.find(idHash: idHash, now: now, db) }) else {
            return nil
        }
        guard operators.contains(where: { $0.name.rawValue == session.operatorName && $0.fingerprint == session.tokenFingerprint }) else {
            try await gateway.database.transaction { db in try await ConsoleSessionStore.delete(idHash: idHash, db) }
            return nil
        }
        return (idHash, session)
    }

    // MARK: - Pages

    private func show(_ page: ConsoleHTML.Page, _ request: Request) async throws -> Response {
        guard !operators.isEmpty else { return Self.respond(.serviceUnavailable, ConsoleHTML.off()) }
        guard let (_, session) = try await session(request) else { return Self.redirect("/console") }
        let query = request.uri.queryParameters
        let body = try await ConsolePages(gateway: gateway, rows: Self.pageRows)
            .body(page, statusFilter: query.get("status"), accountFilter: query.get("account"))
        return Self.respond(.ok, ConsoleHTML.page(page, operatorName: session.operatorName, csrf: session.csrf, body: body))
    }

    // MARK: - HTTP helpers

    static func respond(
        _ status: HTTPResponse.Status, _ text: String, contentType: String = "text/html; charset=utf-8", cookies: [String] = []
    ) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType,
            .cacheControl: "no-store",
            // Nothing but our own stylesheet and forms; no script at all; never framed.
            .contentSecurityPolicy: "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var response = respond(.seeOther, "", cookies: cookies)
        response.headers[.location] = location
        return response
    }

    /// The request's cookies. A name sent twice (a cookie planted for a wider path or a
    /// neighbouring host beside ours) counts as not sent at all.
    static func cookies(_ request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        var repeated: Set<String> = []
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if cookies[name] != nil { repeated.insert(name) }
                cookies[name] = String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        for name in repeated { cookies[name] = nil }
        return cookies
    }

    /// Session ids and CSRF tokens are exactly `randomToken()`'s shape: 64 lowercase hex digits.
    static func isToken(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func form(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: maxFormBytes)
        var form: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2,
                  let name = parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                  let value = parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { continue }
            form[name] = value
        }
        return form
    }

    /// 32 random bytes, hex: a session id or a CSRF token.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Digest.hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Only the hash of a session id is stored: a copy of the table signs no one in.
    static func hash(_ id: String) -> String {
        Digest.sha256Hex(id)
    }
}
