import HTTPTypes
import Hummingbird

/// The signed-in routes, installed with the session and CSRF checks.
struct ConsoleRoutes {
    private var routes: [(HTTPRequest.Method, String, ConsoleHandler)] = []

    mutating func get(_ path: String, _ handler: @escaping ConsoleHandler) { routes.append((.get, path, handler)) }
    mutating func post(_ path: String, _ handler: @escaping ConsoleHandler) { routes.append((.post, path, handler)) }

    func install<Context: RemoteAddressRequestContext>(on router: Router<Context>, endpoint: ConsoleEndpoint) {
        for (method, path, handler) in routes {
            router.on(RouterPath("/console/" + path), method: method) { request, context in
                await endpoint.serve(request, context, method: method, handler: handler)
            }
        }
    }
}
