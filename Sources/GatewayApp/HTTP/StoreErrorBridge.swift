import Hummingbird
import Store

/// Maps store failures to HTTP at the edge: an unreachable database is 503 (retryable),
/// anything else a 500 that says nothing of the internals.
struct StoreErrorBridge: Error {
    let apiError: APIError

    init?(_ error: any Error) {
        guard let storeError = error as? StoreError else { return nil }
        switch storeError {
        case .unavailable, .schemaBehind, .schemaTooNew:
            apiError = APIError(.serviceUnavailable, "store_unavailable", "the store is unavailable; retry later")
        default:
            return nil
        }
    }
}
