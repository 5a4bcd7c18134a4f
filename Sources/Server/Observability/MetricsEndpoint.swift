import HTTPTypes
import Hummingbird
import NIOCore
import Store

/// `/metrics` in the Prometheus text exposition format.
struct MetricsEndpoint: Sendable {
    let metrics: ServerMetrics
    let store: any Store

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/metrics") { _, _ -> Response in
            let text = await metrics.render(store: store)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text))
            )
        }
    }
}
