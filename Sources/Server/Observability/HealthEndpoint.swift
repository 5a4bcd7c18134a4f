import Hummingbird
import Store

/// `/healthz`: the process answers. `/readyz`: the database answers too (the drivers are ready before the listener
/// opens), so a load balancer sends traffic only to a server that can serve it.
struct HealthEndpoint: Sendable {
    let store: any Store

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            do {
                _ = try await store.read { tx in try await tx.setting(named: "readiness-probe") }
                return Response(status: .ok, body: .init(byteBuffer: .init(string: "ready\n")))
            } catch {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: .init(string: "database unavailable\n")))
            }
        }
    }
}
