import Crypto
import Foundation
import KeywardCore
import Store

/// The instance metadata service with Alibaba Cloud's paths and its hardened (token) mode. Each instance sees
/// only its own data: it is identified by the address its request comes from, or, for loopback sandboxes,
/// which all share one address, by an instance-id prefix on the path that only loopback callers may use.
public struct MetadataService: Sendable {
    let store: any Store
    let tokenKey: SymmetricKey
    let namedInstances: Bool

    /// - Parameter namedInstances: accept `/<instance-id>/…` from loopback callers. Only for loopback sandboxes, which
    ///   share the host's address: with namespaces every instance has its own address, and a named path would let
    ///   any host process read any instance's data.
    public init(store: any Store, tokenKey: SymmetricKey, namedInstances: Bool) {
        self.store = store
        self.tokenKey = tokenKey
        self.namedInstances = namedInstances
    }

    /// A metadata reply: status, content type and body.
    public struct Reply: Sendable, Equatable {
        public let status: Int
        public let contentType: String
        public let body: String

        static func text(_ body: String) -> Reply { Reply(status: 200, contentType: "text/plain", body: body) }
        static func json(_ body: String) -> Reply { Reply(status: 200, contentType: "application/json", body: body) }
        static let notFound = Reply(status: 404, contentType: "text/plain", body: "Not Found")
        static let unauthorized = Reply(status: 401, contentType: "text/plain", body: "Unauthorized")
        static let forbidden = Reply(status: 403, contentType: "text/plain", body: "Forbidden")
        static let badRequest = Reply(status: 400, contentType: "text/plain", body: "Bad Request")
    }

    public static let tokenHeader = "x-aliyun-ecs-metadata-token"
    public static let ttlHeader = "x-aliyun-ecs-metadata-token-ttl-seconds"
    public static let maximumTTL = 21_600

    /// Answers one request. `headers` have lowercased names.
    public func handle(method: String, path: String, headers: [String: String], sourceAddress: String, now: Date = Date()) async -> Reply {
        var path = path
        var instance: Instance?
        do {
            instance = try await identify(path: &path, sourceAddress: sourceAddress)
        } catch {
            return .notFound
        }
        guard let instance else { return .forbidden }
        guard instance.metadataEnabled else { return .forbidden }

        if path == "/latest/api/token" {
            guard method == "PUT" else { return Reply(status: 405, contentType: "text/plain", body: "Method Not Allowed") }
            guard headers["x-forwarded-for"] == nil else { return .forbidden }
            guard let ttlText = headers[Self.ttlHeader], let ttl = Int(ttlText), (1...Self.maximumTTL).contains(ttl) else { return .badRequest }
            return .text(token(for: instance.id, expiry: Int64(now.timeIntervalSince1970) + Int64(ttl)))
        }
        guard method == "GET" else { return Reply(status: 405, contentType: "text/plain", body: "Method Not Allowed") }
        if let token = headers[Self.tokenHeader] {
            guard verify(token, instanceID: instance.id, now: now) else { return .unauthorized }
        } else if instance.metadataTokensRequired {
            return .unauthorized
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let version = parts.first, version == "latest" || version == "2016-01-01" else { return .notFound }
        let tree = try? await self.tree(for: instance)
        guard let tree else { return .notFound }
        return MetadataTree.lookup(tree, Array(parts.dropFirst()), trailingSlash: path.hasSuffix("/"))
    }

    private func identify(path: inout String, sourceAddress: String) async throws -> Instance? {
        let first = path.split(separator: "/").first.map(String.init) ?? ""
        if namedInstances, first.hasPrefix("i-") {
            // Loopback sandboxes share the host's address: the caller names itself, and only loopback may.
            guard Self.isLoopback(sourceAddress) else { return nil }
            path = String(path.dropFirst(first.count + 1))
            if path.isEmpty { path = "/" }
            return try await store.read { tx in try await tx.instance(id: first, accountID: nil) }
        }
        guard !Self.isLoopback(sourceAddress) else { return nil }
        return try await store.read { tx in try await tx.instance(atAddress: sourceAddress) }
    }

    static func isLoopback(_ address: String) -> Bool { address.hasPrefix("127.") || address == "::1" }

    // MARK: Tokens

    /// `instance-id.expiry.mac`, MAC = HMAC-SHA256 with the server's key: valid for this instance until expiry.
    func token(for instanceID: String, expiry: Int64) -> String {
        let message = "\(instanceID).\(expiry)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: tokenKey)
        return message + "." + Data(mac).base64EncodedString().replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-")
    }

    func verify(_ token: String, instanceID: String, now: Date) -> Bool {
        let parts = token.split(separator: ".")
        guard parts.count == 3, parts[0] == instanceID, let expiry = Int64(parts[1]), expiry >= Int64(now.timeIntervalSince1970) else { return false }
        let expected = self.token(for: instanceID, expiry: expiry)
        return ConstantTime.equals(Array(expected.utf8), Array(token.utf8))
    }

    // MARK: Content

    private func tree(for instance: Instance) async throws -> MetadataTree.Node {
        let registered = try await store.read { tx in
            try await tx.keyPairs(
                matching: KeyPairQuery(accountID: instance.accountID, regionID: instance.regionID, names: instance.bound.keyPairNames), page: nil
            ).items
        }
        var keys: [(String, MetadataTree.Node)] = []
        for (index, bound) in instance.bound.keyPairs.enumerated() {
            // A key pair deleted while bound still has its key here, under a stand-in id.
            let id = registered.first { $0.name == bound.name }?.id ?? "key-\(index)"
            keys.append((id, .directory([("openssh-key", .leaf(bound.publicKey))])))
        }
        let address = instance.endpoint?.address ?? ""
        let identity = MetadataTree.json(.directory([
            ("instance-id", .leaf(instance.id)), ("region-id", .leaf(instance.regionID)), ("zone-id", .leaf(instance.placementZoneID)),
            ("image-id", .leaf(instance.imageID)), ("owner-account-id", .leaf(instance.accountID)), ("instance-type", .leaf(instance.instanceType)),
            ("private-ipv4", .leaf(address)), ("serial-number", .leaf(instance.id)),
        ]))
        let metaData: MetadataTree.Node = .directory([
            ("hostname", .leaf(instance.hostName)),
            ("image-id", .leaf(instance.imageID)),
            ("instance", .directory([("instance-name", .leaf(instance.name)), ("instance-type", .leaf(instance.instanceType))])),
            ("instance-id", .leaf(instance.id)),
            ("network-type", .leaf("vpc")),
            ("owner-account-id", .leaf(instance.accountID)),
            ("private-ipv4", .leaf(address)),
            ("public-keys", .directory(keys)),
            ("region-id", .leaf(instance.regionID)),
            ("serial-number", .leaf(instance.id)),
            ("zone-id", .leaf(instance.placementZoneID)),
        ])
        var root: [(String, MetadataTree.Node)] = [
            ("meta-data", metaData),
            ("dynamic", .directory([("instance-identity", .directory([("document", .json(identity))]))])),
        ]
        if !instance.userData.isEmpty { root.append(("user-data", .leaf(instance.userData))) }
        return .directory(root)
    }
}

/// The metadata tree and how paths resolve in it: directories list their entries (sub-directories with a
/// trailing `/`), leaves are text; `meta-data/all` is the whole meta-data tree as one JSON object.
enum MetadataTree {
    indirect enum Node: Sendable {
        case leaf(String)
        case json(String)
        case directory([(String, Node)])
    }

    static func lookup(_ root: Node, _ components: [String], trailingSlash: Bool) -> MetadataService.Reply {
        var node = root
        for (position, component) in components.enumerated() {
            guard case .directory(let entries) = node else { return .notFound }
            if component == "all", position == components.count - 1, components.first == "meta-data" {
                return .json(json(node))
            }
            guard let next = entries.first(where: { $0.0 == component })?.1 else { return .notFound }
            node = next
        }
        switch node {
        case .leaf(let text): return .text(text)
        case .json(let text): return .json(text)
        case .directory(let entries):
            return .text(entries.map { name, child in
                if case .directory = child { return name + "/" }
                return name
            }.joined(separator: "\n"))
        }
    }

    static func json(_ node: Node) -> String {
        switch node {
        case .leaf(let text): return quote(text)
        case .json(let text): return text
        case .directory(let entries): return "{" + entries.map { quote($0.0) + ":" + json($0.1) }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
