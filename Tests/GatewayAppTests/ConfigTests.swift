import Foundation
import GatewayApp
import GatewayTestSupport
import Testing

@Suite("Configuration")
struct ConfigTests {
    static let invalid: [(env: [String: String], key: String, fragment: String)] = [
        (["GATEWAY_PUBLIC_LISTEN": "nonsense"], "GATEWAY_PUBLIC_LISTEN", "host:port"),
        (["GATEWAY_INTERNAL_LISTEN": "127.0.0.1:70000"], "GATEWAY_INTERNAL_LISTEN", "port"),
        (["DATABASE_URL": "mysql://x"], "DATABASE_URL", "postgres"),
        (["DATABASE_URL": "postgres://nohost"], "DATABASE_URL", "user"),
        (["GATEWAY_INTERNAL_TOKENS": "short"], "GATEWAY_INTERNAL_TOKENS", "16 characters"),
        (["GATEWAY_INTERNAL_TOKENS": "aaaaaaaaaaaaaaaaaaaa,,"], "GATEWAY_INTERNAL_TOKENS", "empty entry"),
        (["STRIPE_TOLERANCE_SECONDS": "0"], "STRIPE_TOLERANCE_SECONDS", "0 would disable"),
        (["STRIPE_TOLERANCE_SECONDS": "abc"], "STRIPE_TOLERANCE_SECONDS", "not an integer"),
        (["OUTBOX_BATCH_SIZE": "0"], "OUTBOX_BATCH_SIZE", "outside"),
        (["STRIPE_LIVEMODE": "maybe"], "STRIPE_LIVEMODE", "true or false"),
        (["LOG_LEVEL": "loud"], "LOG_LEVEL", "expected"),
        (["WALLET_API_URL": "ftp://x"], "WALLET_API_URL", "http"),
        (["GATEWAY_INTERNAL_TOKENS": "x", "GATEWAY_INTERNAL_TOKENS_FILE": "/tmp/x"], "GATEWAY_INTERNAL_TOKENS", "not both"),
        (["GATEWAY_INTERNAL_TOKENS_FILE": "/nonexistent/token"], "GATEWAY_INTERNAL_TOKENS_FILE", "cannot read"),
        (["LOG_LEVEL_FILE": "/tmp/x"], "LOG_LEVEL_FILE", "only secrets"),
        (["RATES_REFRESH_SECONDS": "600", "RATES_DEVIATION_WINDOW_SECONDS": "600"], "RATES_DEVIATION_WINDOW_SECONDS", "ever be confirmed"),
    ]

    @Test(arguments: 0..<invalid.count)
    func invalidValueNamesKeyAndProblem(index: Int) {
        let (env, key, fragment) = Self.invalid[index]
        do {
            _ = try GatewayConfig.load(environment: env)
            Issue.record("expected \(key) to be refused")
        } catch {
            #expect(error.key == key)
            #expect(error.description.contains(fragment), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func secretsComeFromFilesAndAreRedacted() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try "file-token-0123456789abcdef\n".write(to: file, atomically: true, encoding: .utf8)
        let (config, source) = try GatewayConfig.load(environment: [
            "GATEWAY_INTERNAL_TOKENS_FILE": file.path,
            "STRIPE_WEBHOOK_SECRET": "whsec_aaa,whsec_bbb",
            "DATABASE_URL": "postgres://user:hunter2@db:5432/gw",
        ])
        #expect(config.internalTokens.map(\.value) == ["file-token-0123456789abcdef"])
        let described = GatewayConfig.describe(source).joined(separator: "\n")
        #expect(!described.contains("file-token"))
        #expect(!described.contains("whsec_"))
        #expect(!described.contains("hunter2"))
        #expect(described.contains("STRIPE_WEBHOOK_SECRET=<redacted ×2>"))
        #expect("\(config.internalTokens)".contains("redacted"))
    }

    @Test func environmentOverridesEnvFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("env-\(UUID().uuidString)")
        try "GATEWAY_PUBLIC_LISTEN=0.0.0.0:9000\nOUTBOX_BATCH_SIZE=7\n".write(to: file, atomically: true, encoding: .utf8)
        let (config, _) = try GatewayConfig.load(environment: ["GATEWAY_ENV_FILE": file.path, "OUTBOX_BATCH_SIZE": "9"])
        #expect(config.publicListen.description == "0.0.0.0:9000")
        #expect(config.outbox.batchSize == 9)
    }

    @Test func invalidConfigurationExitsWithCode2AndOneLine() async throws {
        let (status, output) = try await GatewayProcess.runToEnd(["run"], environment: ["GATEWAY_PUBLIC_LISTEN": "nope"])
        #expect(status == 2)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("GATEWAY_PUBLIC_LISTEN") == true)

        let (checkStatus, checkOutput) = try await GatewayProcess.runToEnd(["config", "check"], environment: ["STRIPE_TOLERANCE_SECONDS": "0"])
        #expect(checkStatus == 2)
        #expect(checkOutput.contains("STRIPE_TOLERANCE_SECONDS"))
    }

    @Test func configCheckPrintsEffectiveConfigurationRedacted() async throws {
        let (status, output) = try await GatewayProcess.runToEnd(["config", "check"], environment: [
            "STRIPE_WEBHOOK_SECRET": "whsec_topsecret", "OUTBOX_BATCH_SIZE": "11",
        ])
        #expect(status == 0)
        #expect(output.contains("OUTBOX_BATCH_SIZE=11"))
        #expect(output.contains("GATEWAY_PUBLIC_LISTEN=127.0.0.1:8080"))
        #expect(!output.contains("topsecret"))
    }

    /// The files in config/ must agree with the key table in code.
    @Test func configFilesDocumentEveryKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let defaults = try String(contentsOf: root.appendingPathComponent("config/defaults.env"), encoding: .utf8)
        let example = try String(contentsOf: root.appendingPathComponent("config/example.env"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("config/README.md"), encoding: .utf8)
        for key in ConfigKey.all {
            #expect(example.contains("\(key.name)="), "config/example.env lacks \(key.name)")
            #expect(readme.contains("`\(key.name)`"), "config/README.md lacks \(key.name)")
            if let value = key.defaultValue, !key.secret {
                #expect(defaults.contains("\n\(key.name)=\(value)\n"), "config/defaults.env must set \(key.name)=\(value)")
            }
            if key.secret {
                #expect(!defaults.contains("\n\(key.name)="), "config/defaults.env must not hold secret \(key.name)")
            }
        }
    }

    @Test func runWithNoConfigurationCreatesAPrivateDevelopmentToken() async throws {
        let port = try GatewayProcess.freePort()
        let child = try GatewayProcess(arguments: ["run"], environment: [
            "GATEWAY_INTERNAL_LISTEN": "127.0.0.1:\(port)", "GATEWAY_PUBLIC_LISTEN": "127.0.0.1:0",
        ])
        let up = try await TestGateway.eventually {
            (try? await TestHTTP.request(.GET, "http://127.0.0.1:\(port)/healthz"))?.status == 200
        }
        #expect(up, "\(child.output)")
        let directory = child.process.currentDirectoryURL!.path
        let tokenPath = directory + "/data/internal-token"
        let attributes = try FileManager.default.attributesOfItem(atPath: tokenPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let token = try String(contentsOfFile: tokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!child.output.contains(token), "the token must never be logged")
        #expect(child.output.contains(tokenPath))
        #expect(try await TestHTTP.request(.GET, "http://127.0.0.1:\(port)/readyz", token: token).status == 200)
        child.signal(SIGTERM)
        #expect(try await child.wait() == 0)
    }
}
