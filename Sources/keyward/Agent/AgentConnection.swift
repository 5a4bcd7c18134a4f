import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Server

/// How the agent reaches the control plane: HTTPS (plain HTTP only to a loopback address), trusting a CA file, a
/// pinned certificate fingerprint, or the system's roots. Each request is one connection.
struct AgentConnection: Sendable {
    let host: String
    let port: Int
    let basePath: String
    let secure: Bool
    private let context: NIOSSLContext?
    private let pin: [UInt8]?

    /// Why the agent cannot talk to the server; nothing is applied after any of these.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(server: String, caFile: String?, fingerprint: String?) throws {
        guard let url = URLComponents(string: server), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              scheme == "https" || scheme == "http"
        else { throw Failure(description: "--server must be https://HOST[:PORT] (or http:// to a loopback address), not '\(server)'") }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        secure = scheme == "https"
        port = url.port ?? (secure ? 443 : 80)
        basePath = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
        guard secure || ServerConfiguration.isLoopback(self.host) else {
            throw Failure(description: "the agent talks to the server over HTTPS only (plain HTTP only to a loopback address): use https://\(host)…")
        }
        guard secure || (caFile == nil && fingerprint == nil) else {
            throw Failure(description: "--ca and --server-fingerprint need an https:// server")
        }
        guard caFile == nil || fingerprint == nil else { throw Failure(description: "give --ca or --server-fingerprint, not both") }
        if let fingerprint {
            guard let bytes = Self.parseFingerprint(fingerprint) else {
                throw Failure(description: "--server-fingerprint must be SHA256: and 64 hex digits (colons allowed), as keyward serve prints it")
            }
            pin = bytes
        } else {
            pin = nil
        }
        guard secure else {
            context = nil
            return
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw Failure(description: "--ca \(caFile): not a readable PEM certificate file")
            }
        }
        // A pin replaces chain verification; it still needs the peer's certificate, so verification is never `.none`.
        if pin != nil { tls.certificateVerification = .noHostnameVerification }
        context = try NIOSSLContext(configuration: tls)
    }

    /// `SHA256:AB:CD…`, `sha256:abcd…` or bare hex.
    static func parseFingerprint(_ text: String) -> [UInt8]? {
        var hex = text
        if hex.lowercased().hasPrefix("sha256:") { hex = String(hex.dropFirst(7)) }
        hex = hex.replacingOccurrences(of: ":", with: "")
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    struct Reply: Sendable {
        let status: Int
        let body: [UInt8]
    }

    /// Sends one request and reads the whole reply, within `timeout`.
    func send(method: HTTPMethod, path: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration = .seconds(30)) async throws -> Reply {
        let context = self.context
        let pin = self.pin
        let serverName: String? = IPAddressLiteral.bytes(host) == nil ? host : nil
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let context {
                            let handler: NIOSSLClientHandler
                            if let pin {
                                handler = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
                                    let leaf = certificates.first.flatMap { try? $0.toDERBytes() }
                                    promise.succeed(leaf.map { Array(SHA256.hash(data: $0)) == pin } == true ? .certificateVerified : .failed)
                                }
                            } else {
                                handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                            }
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Failure(description: "cannot connect to \(host):\(port): \(error)")
        }
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        let target = basePath + path
        return try await withThrowingTaskGroup(of: Reply.self) { group in
            group.addTask {
                do {
                    return try await channel.executeThenClose { inbound, outbound in
                        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
                        head.headers.add(name: "Host", value: hostHeader)
                        head.headers.add(name: "Connection", value: "close")
                        for (name, value) in headers { head.headers.add(name: name, value: value) }
                        if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }
                        try await outbound.write(.head(head))
                        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                        try await outbound.write(.end(nil))
                        var status: Int?
                        var received = ByteBuffer()
                        for try await part in inbound {
                            switch part {
                            case .head(let response) where response.status.code >= 200: status = Int(response.status.code)
                            case .head: continue
                            case .body(var chunk):
                                guard received.readableBytes + chunk.readableBytes <= 4 << 20 else { throw Failure(description: "reply too large") }
                                received.writeBuffer(&chunk)
                            case .end:
                                guard let status else { break }
                                return Reply(status: status, body: Array(buffer: received))
                            }
                        }
                        throw Failure(description: "the server closed the connection before replying")
                    }
                } catch let error as NIOSSLError {
                    throw Failure(description: trustFailure(error))
                } catch let error as NIOSSLExtraError {
                    throw Failure(description: "the server's certificate does not name \(host): \(error)")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                channel.channel.close(promise: nil)
                throw Failure(description: "no reply from \(host):\(port) within \(timeout.components.seconds) s")
            }
            defer { group.cancelAll() }
            guard let reply = try await group.next() else { throw Failure(description: "no reply") }
            return reply
        }
    }

    private func trustFailure(_ error: NIOSSLError) -> String {
        if pin != nil {
            return "the server's certificate does not match --server-fingerprint (TLS handshake refused: \(error))"
        }
        return "the server's certificate is not trusted\(context == nil ? "" : " (give its CA with --ca, or pin it with --server-fingerprint)"): \(error)"
    }
}
