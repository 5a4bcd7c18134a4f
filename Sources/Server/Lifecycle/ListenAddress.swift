import Foundation

/// Checks, before anything starts, that an address can be listened on, so that the operator learns at once, in one
/// line, why not and what to do.
enum ListenAddress {
    struct Unavailable: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// Binds and releases a TCP socket at `host:port` (port 0 always passes).
    static func checkFree(host: String, port: Int, option: String) throws(Unavailable) {
        guard port != 0 else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw Unavailable(description: "\(option) \(host):\(port): '\(host)' is not an address or a name of this host")
        }
        defer { freeaddrinfo(result) }
        let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 else { return }
        let reason: String
        switch errno {
        case EADDRINUSE: reason = "the address is already in use (another Keyward or another program listens there): stop it, or choose another \(option)"
        case EADDRNOTAVAIL: reason = "no interface of this host has that address: choose one it has, or 0.0.0.0"
        case EACCES: reason = "ports below 1024 need root: choose a port above 1023"
        default: reason = String(cString: strerror(errno))
        }
        throw Unavailable(description: "cannot listen on \(option) \(host):\(port): \(reason)")
    }
}
