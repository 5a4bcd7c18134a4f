import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL, as libpq reads it:
/// - `sslmode`: `disable`, `prefer` (the default: TLS when the server offers it, unverified), `require` (TLS,
///   unverified), `verify-ca` (TLS, the chain checked against `sslrootcert`), `verify-full` (also the host name);
/// - `sslrootcert`: a PEM file of trusted CAs (the system's roots without it);
/// - `host=/path`: a Unix socket directory instead of a TCP host;
/// - `search_path`: the schema Keyward's tables live in (created if missing), so that several deployments can share a
///   database; `public` without it.
struct PostgresURL: Sendable {
    struct Invalid: Error {
        let reason: String
    }

    let host: String
    let port: Int
    let socketDirectory: String?
    let user: String
    let password: String?
    let database: String?
    let sslMode: String
    let rootCertificate: String?
    let schema: String?

    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    init(_ text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw Invalid(reason: "expected postgres://user:password@host:port/database")
        }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        guard let user = components.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw Invalid(reason: "the URL names no user")
        }
        self.user = user
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path.removingPercentEncoding
        if let socket = parameters["host"], socket.hasPrefix("/") {
            self.socketDirectory = socket
        } else {
            self.socketDirectory = nil
        }
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        self.port = components.port ?? 5432
        let mode = parameters["sslmode"] ?? "prefer"
        guard Self.sslModes.contains(mode) else {
            throw Invalid(reason: "sslmode \(mode) is not one of \(Self.sslModes.joined(separator: ", "))")
        }
        self.sslMode = mode
        self.rootCertificate = parameters["sslrootcert"]
        if let schema = parameters["search_path"] {
            let allowed = schema.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            }
            guard allowed, !schema.isEmpty, schema.count <= 63 else {
                throw Invalid(reason: "search_path must be one schema name of lower-case letters, digits and _ (at most 63)")
            }
            self.schema = schema
        } else {
            self.schema = nil
        }
        let known: Set = ["sslmode", "sslrootcert", "host", "search_path"]
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw Invalid(reason: "unknown URL parameter \(unknown)")
        }
    }

    /// The pool's settings.
    func clientConfiguration() throws(Invalid) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = PostgresClient.Configuration(unixSocketPath: socketDirectory + "/.s.PGSQL.\(port)", username: user, password: password,
                                                         database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS = switch try transportSecurity() {
            case nil: .disable
            case (let settings, required: false)?: .prefer(settings)
            case (let settings, required: true)?: .require(settings)
            }
            configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = Self.connectTimeout
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return configuration
    }

    /// The settings of one connection of its own, made as the pool makes its connections.
    func connectionConfiguration() throws(Invalid) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = PostgresConnection.Configuration(unixSocketPath: socketDirectory + "/.s.PGSQL.\(port)", username: user, password: password,
                                                             database: database)
        } else {
            var tls = PostgresConnection.Configuration.TLS.disable
            if let (settings, required) = try transportSecurity() {
                do {
                    let context = try NIOSSLContext(configuration: settings)
                    tls = required ? .require(context) : .prefer(context)
                } catch {
                    throw Invalid(reason: "TLS: \(error)")
                }
            }
            configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(Self.connectTimeout.components.seconds))
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return configuration
    }

    static let connectTimeout: Duration = .seconds(5)

    /// The TLS settings `sslmode` and `sslrootcert` ask for, and whether TLS is required; nil for `disable`.
    private func transportSecurity() throws(Invalid) -> (TLSConfiguration, required: Bool)? {
        guard sslMode != "disable" else { return nil }
        var settings = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case "verify-full": settings.certificateVerification = .fullVerification
        case "verify-ca": settings.certificateVerification = .noHostnameVerification
        default: settings.certificateVerification = .none
        }
        if let rootCertificate {
            do {
                settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificate))
            } catch {
                throw Invalid(reason: "sslrootcert \(rootCertificate): \(error)")
            }
        }
        return (settings, required: sslMode != "allow" && sslMode != "prefer")
    }

    /// The URL without its password, for messages.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "(unreadable URL)" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "(unreadable URL)"
    }
}
