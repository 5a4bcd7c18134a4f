import Dialects
import DialectWire
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the vendors' RPC APIs at `/`, the single path their SDKs call.
struct RPCEndpoint: Sendable {
    /// Asked in order; the first that claims a request answers it.
    let dialects: [any Dialect]
    let metrics: ServerMetrics
    /// Whether the listener speaks TLS (`acs:SecureTransport`).
    let secure: Bool

    func register(on router: Router<PeerRequestContext>) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/", method: method) { request, context in try await handle(request, context) }
        }
    }

    private func handle(_ request: Request, _ context: PeerRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20 + 1)
        var headers: [(name: String, value: String)] = request.headers.map { ($0.name.canonicalName, $0.value) }
        if let authority = request.head.authority {
            headers.append(("host", authority))
        }
        let message = HTTPRequestMessage(
            method: request.method.rawValue,
            path: request.uri.path,
            rawQuery: request.uri.query ?? "",
            headers: headers,
            body: Array(buffer: body),
            remoteAddress: context.remoteAddress?.ipAddress,
            isSecure: secure
        )
        guard let dialect = dialects.first(where: { $0.claims(message) }) else {
            return Response(status: .badRequest)
        }
        let reply = await dialect.handle(message)
        if let outcome = reply.outcome { metrics.record(outcome, duration: ContinuousClock.now - started) }
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return Response(status: .init(code: reply.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
