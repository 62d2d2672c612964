/// Server-rendered HTML for the console. Everything that is not a literal of this file goes
/// through `escape`: account ids, Stripe metadata and reasons are data, never markup.
enum ConsoleHTML {
    static func escape(_ text: String) -> String {
        // By code point, not by Character: `"` followed by a combining mark is one Character
        // that equals no quote, yet still ends an attribute in the browser.
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// A CLI table as an HTML table: the same view model, so the page and `gateway …` agree.
    static func table(_ table: TextTable, id: String, empty: String) -> String {
        guard !table.rows.isEmpty else { return "<p class=\"empty\" id=\"\(id)\">\(escape(empty))</p>" }
        let head = table.header.map { "<th>\(escape($0))</th>" }.joined()
        let rows = table.rows.map { row in "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table id=\"\(id)\"><thead><tr>\(head)</tr></thead><tbody>\n\(rows)\n</tbody></table>"
    }

    enum Page: String, CaseIterable {
        case overview, deposits, payments, credits, audit

        var title: String {
            switch self {
            case .overview: "Overview"
            case .deposits: "Deposits"
            case .payments: "Parked card payments"
            case .credits: "Stuck and parked credits"
            case .audit: "Audit log"
            }
        }
    }

    /// The frame every signed-in page shares: navigation, who is signed in, sign-out (a POST
    /// with the session's CSRF token).
    static func page(_ page: Page, operatorName: String, csrf: String, body: String) -> String {
        let nav = Page.allCases.map { item in
            let current = item == page ? " aria-current=\"page\"" : ""
            return "<a href=\"/console/\(item.rawValue)\"\(current)>\(escape(item.title))</a>"
        }.joined(separator: "\n")
        return document(title: page.title, body: """
            <header>
            <strong>gateway console</strong>
            <nav>\(nav)</nav>
            <form method="post" action="/console/sign-out" class="signout">
            <span id="operator">\(escape(operatorName))</span>
            <input type="hidden" name="csrf" value="\(escape(csrf))">
            <button type="submit">Sign out</button>
            </form>
            </header>
            <main>
            <h1>\(escape(page.title))</h1>
            <p class="note">Read-only. Every change goes through the <code>gateway</code> CLI, which audits it.</p>
            \(body)
            </main>
            """)
    }

    static func signIn(csrf: String, error: String?) -> String {
        let problem = error.map { "<p class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? ""
        return document(title: "Sign in", body: """
            <main class="signin">
            <h1>gateway console</h1>
            \(problem)
            <form method="post" action="/console/sign-in">
            <label for="token">Operator token</label>
            <input type="password" id="token" name="token" autocomplete="current-password" required>
            <input type="hidden" name="csrf" value="\(escape(csrf))">
            <button type="submit">Sign in</button>
            </form>
            </main>
            """)
    }

    static func off() -> String {
        document(title: "Console off", body: """
            <main class="signin"><h1>gateway console</h1>
            <p>The console is off: set <code>GATEWAY_OPERATOR_TOKENS</code> (<code>name:token</code>, comma-separated) to turn it on.</p>
            </main>
            """)
    }

    static func document(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · gateway</title>
        <link rel="stylesheet" href="/console/style.css">
        </head>
        <body>
        \(body)
        </body>
        </html>
        """
    }

    /// Served by the gateway itself: no CDN, no framework, no script.
    static let stylesheet = """
        :root { color-scheme: light; --ink: #1d2430; --muted: #5b6577; --line: #d9dee7; --accent: #2456c7; --bad: #b3261e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; color: var(--ink); background: #f6f7f9; }
        header { display: flex; gap: 24px; align-items: center; padding: 10px 24px; background: #fff; border-bottom: 1px solid var(--line); }
        header nav { display: flex; gap: 16px; flex: 1; }
        header a { color: var(--accent); text-decoration: none; }
        header a[aria-current] { font-weight: bold; color: var(--ink); }
        .signout { display: flex; gap: 8px; align-items: center; margin: 0; }
        main { padding: 16px 24px; }
        h1 { font-size: 20px; margin: 4px 0 8px; }
        h2 { font-size: 16px; margin: 20px 0 6px; }
        .note { color: var(--muted); margin: 0 0 12px; }
        table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); margin-bottom: 8px; }
        th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f6; font-weight: 600; white-space: nowrap; }
        td { font-family: "DejaVu Sans Mono", monospace; font-size: 12.5px; max-width: 520px; overflow-wrap: anywhere; }
        .empty { color: var(--muted); }
        .error { color: var(--bad); }
        .signin { max-width: 360px; margin: 80px auto; background: #fff; padding: 24px; border: 1px solid var(--line); }
        .signin form { display: grid; gap: 10px; }
        input, select, button { font: inherit; padding: 5px 8px; }
        form.filters { display: flex; gap: 12px; align-items: end; margin-bottom: 12px; }
        form.filters label { display: grid; gap: 2px; color: var(--muted); }
        """
}
