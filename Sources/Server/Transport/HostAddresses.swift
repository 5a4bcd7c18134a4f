import Foundation

/// This host's interface addresses, for the names a self-signed certificate covers.
enum HostAddresses {
    /// The network-order bytes of every IPv4 and IPv6 address on an interface that is up.
    static func all() -> [[UInt8]] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { return [] }
        defer { freeifaddrs(head) }
        var found: [[UInt8]] = []
        var cursor = head
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var raw = v4.pointee.sin_addr
                    found.append(withUnsafeBytes(of: &raw) { Array($0) })
                }
            case AF_INET6:
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var raw = v6.pointee.sin6_addr
                    let bytes = withUnsafeBytes(of: &raw) { Array($0) }
                    if bytes[0] != 0xfe || bytes[1] & 0xc0 != 0x80 { found.append(bytes) }  // link-local needs a zone: skip
                }
            default:
                break
            }
        }
        return found
    }
}
