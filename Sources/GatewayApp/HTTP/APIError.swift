import Hummingbird

/// Every API failure, rendered as `{"error":{"code":"…","message":"…"}}` with its status.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = JSONValue.object(["error": .object(["code": .string(code), "message": .string(message)])])
        return JSONResponse.make(status: status, body)
    }

    static func invalidJSON(_ detail: String) -> APIError { APIError(.badRequest, "invalid_json", detail) }
    static let unauthorized = APIError(.unauthorized, "unauthorized", "a valid bearer token is required")
    static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", what) }
}

/// Turns every error thrown below it into the JSON error shape, so clients see one format.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(error.status, Self.code(for: error.status), error.body ?? error.status.reasonPhrase)
        } catch let error as StoreErrorBridge {
            throw error.apiError
        } catch {
            if let apiError = StoreErrorBridge(error)?.apiError { throw apiError }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw APIError(.internalServerError, "internal", "internal error")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .contentTooLarge: "body_too_large"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .badRequest: "bad_request"
        case .unauthorized: "unauthorized"
        default: "http_\(status.code)"
        }
    }
}

/// Bearer-token guard for the internal listener. `/healthz` stays open so a load balancer
/// needs no secret. Tokens are compared in constant time.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [Secret]
    static var openPaths: Set<String> { ["/healthz"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        // The console signs operators in with its own cookie (ConsoleRoutes); the API never
        // takes that cookie, and the console never takes the bearer token.
        if Self.openPaths.contains(path) || path == "/console" || path.hasPrefix("/console/") { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError.unauthorized
        }
        let presented = Array(header.utf8.dropFirst("Bearer ".utf8.count))
        // Check every token (no early exit) so timing reveals neither which nor whether one matched.
        var matched = false
        for token in tokens { matched = token.matches(presented) || matched }
        guard matched else { throw APIError.unauthorized }
        return try await next(request, context)
    }
}
