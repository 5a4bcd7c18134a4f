import ArgumentParser
import Foundation
import Instances
import NIOHTTP1

/// `keyward agent`: runs on a remote Linux host. Joins the control plane once with a registration token, then
/// fetches the host's desired credentials and applies them (atomically, `sshd -t` first, rolled back on failure):
/// at start — run it at boot — and whenever the control plane asks (StartInstance, RebootInstance).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Keep this host's logon credentials as the control plane says.")

    @Option(help: "The control plane's URL, e.g. https://10.0.0.5:8443 (plain http:// only to a loopback address).")
    var server: String

    @Option(help: "PEM file of the CA (or the self-signed certificate) that the server's certificate must chain to.")
    var ca: String?

    @Option(help: "Trust exactly the certificate with this SHA-256 fingerprint (SHA256:AB:CD:…, as keyward serve prints it).")
    var serverFingerprint: String?

    @Option(help: "One-time registration token (CreateAgentRegistrationToken); needed only the first time.")
    var token: String?

    @Option(help: "Directory for the agent's identity (mode 0700).")
    var stateDirectory = "/var/lib/keyward-agent"

    @Option(help: "Root of the system to manage.")
    var root = "/"

    @Option(help: "Address the host is reached at (shown in DescribeInstances).")
    var address = "127.0.0.1"

    @Option(help: "Seconds between checks for new credentials.")
    var interval = 15

    @Flag(help: "Apply once and exit (for a boot unit).")
    var once = false

    struct Identity: Codable {
        var instanceId: String
        var secret: String
        var appliedGeneration: Int
    }

    func run() async throws {
        let connection: AgentConnection
        do {
            connection = try AgentConnection(server: server, caFile: ca, fingerprint: serverFingerprint)
        } catch let failure as AgentConnection.Failure {
            throw ValidationError(failure.description)
        }
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var identity: Identity
        if let saved = try loadIdentity() {
            identity = saved
        } else {
            identity = try await register(connection)
        }
        var first = true
        while true {
            do {
                let desired: AgentDesired = try await request(connection, .GET, "/agent/v1/desired", identity: identity)
                if first || desired.generation > identity.appliedGeneration {
                    let applier = CredentialApplier(guestRoot: root, validator: HostSSHDValidator())
                    // File rewriting and `sshd -t` block: off the cooperative pool.
                    let report = try await Offload.run { () throws(ApplyError) in try applier.apply(desired.credentials) }
                    if !first { reloadSSHD() }
                    identity.appliedGeneration = desired.generation
                    try save(identity)
                    let _: Empty? = try await request(connection, .POST, "/agent/v1/applied", identity: identity, body: desired)
                    print("applied credentials generation \(desired.generation): \(report.changedFiles.isEmpty ? "no change" : report.changedFiles.joined(separator: ", "))")
                }
                first = false
            } catch {
                // A daemon outlives a control plane restart or a network drop; a one-shot run reports the failure.
                if once { throw error }
                FileHandle.standardError.write(Data("keyward agent: \(error); retrying in \(interval) s\n".utf8))
            }
            if once { return }
            try await Task.sleep(for: .seconds(interval))
        }
    }

    private var identityFile: String { stateDirectory + "/identity.json" }

    private func loadIdentity() throws -> Identity? {
        guard let data = FileManager.default.contents(atPath: identityFile) else { return nil }
        return try JSONDecoder().decode(Identity.self, from: data)
    }

    private func save(_ identity: Identity) throws {
        let temporary = identityFile + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: try JSONEncoder().encode(identity), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(temporary)")
        }
        _ = rename(temporary, identityFile)
    }

    private func register(_ connection: AgentConnection) async throws -> Identity {
        guard let token else { throw ValidationError("this host has not joined yet: pass --token") }
        let hostName = (try? String(contentsOfFile: root + "/etc/hostname", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "host"
        let joined: AgentRegistered = try await request(connection, .POST, "/agent/v1/register", identity: nil,
                                                        body: AgentRegistration(token: token, hostName: hostName, address: address))
        let identity = Identity(instanceId: joined.instanceId, secret: joined.secret, appliedGeneration: 0)
        try save(identity)
        print("joined as instance \(joined.instanceId)")
        return identity
    }

    /// Tells a running sshd to re-read its configuration (new connections use it).
    private func reloadSSHD() {
        guard root == "/", let text = try? String(contentsOfFile: "/run/sshd.pid", encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        kill(pid, SIGHUP)
    }

    private func request<Response: Decodable>(
        _ connection: AgentConnection, _ method: HTTPMethod, _ path: String, identity: Identity?, body: (some Encodable)? = Optional<Empty>.none
    ) async throws -> Response {
        var headers: [(String, String)] = []
        if let identity { headers.append(("Authorization", "Keyward-Agent \(identity.instanceId):\(identity.secret)")) }
        var bytes: [UInt8]?
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = Array(try JSONEncoder().encode(body))
        }
        let reply: AgentConnection.Reply
        do {
            reply = try await connection.send(method: method, path: path, headers: headers, body: bytes)
        } catch let failure as AgentConnection.Failure {
            throw ValidationError(failure.description)
        }
        guard (200..<300).contains(reply.status) else {
            throw ValidationError("\(method.rawValue) \(path): HTTP \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
        }
        if reply.body.isEmpty, let empty = Empty() as? Response { return empty }
        return try JSONDecoder().decode(Response.self, from: Data(reply.body))
    }
}

struct Empty: Codable {}
struct AgentRegistration: Codable { let token: String; let hostName: String; let address: String }
struct AgentRegistered: Codable { let instanceId: String; let secret: String }
struct AgentDesired: Codable { let generation: Int; let credentials: DesiredCredentials }
