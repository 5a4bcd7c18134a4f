import HTTPTypes
import Hummingbird
import NIOCore
import Services

/// A request context that knows the caller's address: the metadata service identifies instances by it, and access
/// control checks `acs:SourceIp` against it.
struct PeerRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Serves the metadata service over HTTP, on its own address.
enum MetadataEndpoint {
    static func router(service: MetadataService) -> Router<PeerRequestContext> {
        let router = Router(context: PeerRequestContext.self)
        for path in ["/", "**"] {
            for method in [HTTPRequest.Method.get, .put] {
                router.on(RouterPath(path), method: method) { request, context in
                    var headers: [String: String] = [:]
                    for field in request.headers { headers[field.name.canonicalName] = field.value }
                    let reply = await service.handle(
                        method: request.method.rawValue, path: request.uri.path, headers: headers,
                        sourceAddress: context.remoteAddress?.ipAddress ?? ""
                    )
                    var fields = HTTPFields()
                    fields[.contentType] = reply.contentType
                    return Response(status: .init(code: reply.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
                }
            }
        }
        return router
    }
}
