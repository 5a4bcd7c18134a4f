import Dialects
import DialectWire
import Foundation
import KeywardCore
import Services
import SSHKeys

/// Key Pairs: list and search, Create Key Pair (the private key downloaded once), Import Key Pair, Delete, Bind and
/// Unbind Key Pair.
struct KeyPairPages: Sendable {
    let endpoint: ConsoleEndpoint
    static let pageSize = 20
    /// The highest page number, as DescribeKeyPairs allows.
    static let pageLimit = 1_000_000

    private var keyPairs: KeyPairService { endpoint.services.keyPairs }
    private var instances: InstanceService { endpoint.services.instances }

    func register(_ routes: inout ConsoleRoutes) {
        routes.get("keypairs") { try await list($0) }
        routes.get("keypairs/create") { .page(createPage($0, error: nil)) }
        routes.post("keypairs/create") { try await create($0) }
        routes.get("keypairs/import") { .page(importPage($0, error: nil)) }
        routes.post("keypairs/import") { try await importKey($0) }
        routes.get("keypairs/:name/delete") { try await deletePage($0) }
        routes.post("keypairs/:name/delete") { try await delete($0) }
        routes.get("keypairs/:name/bind") { try await bindingPage($0, attach: true, error: nil) }
        routes.post("keypairs/:name/bind") { try await bind($0, attach: true) }
        routes.get("keypairs/:name/unbind") { try await bindingPage($0, attach: false, error: nil) }
        routes.post("keypairs/:name/unbind") { try await bind($0, attach: false) }
    }

    // MARK: List

    private func list(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let search = request.query["name"]
        let number = min(max(1, Int(request.query["page"] ?? "") ?? 1), Self.pageLimit)
        let query = KeyPairQuery(
            accountID: request.session.accountID, regionID: request.regionID, namePattern: search.map { NamePattern("*\($0)*") }, fingerprintMD5: nil,
            resourceGroupID: nil, tags: []
        )
        let (page, bound) = try await endpoint.perform(request, .describeKeyPairs) { call in
            let page = try await keyPairs.describe(call, query: query, page: PageRequest(number: number, size: Self.pageSize))
            return (page, try await keyPairs.boundInstances(call, regionID: request.regionID, names: page.items.map(\.name)))
        }
        let rows: [View] = page.items.map { keyPair in
            let segment = ConsoleEndpoint.segment(keyPair.name)
            return [
                "name": .text(keyPair.name), "fingerprint": .text(keyPair.fingerprintMD5), "sha256": .text(keyPair.fingerprintSHA256),
                "type": .text(ConsoleEndpoint.keyTypeName(keyPair.keyType)), "bound": .text((bound[keyPair.name] ?? []).joined(separator: " ")),
                "created": .text(ConsoleEndpoint.format(keyPair.creationTime)), "segment": .text(segment),
            ]
        }
        let searchQuery = search.map { "&name=" + PercentEncoding.rfc3986($0) } ?? ""
        return .page(ConsolePage("keypairs", title: "Key Pairs", section: "Key Pairs", [
            "rows": .list(rows), "empty": .flag(rows.isEmpty), "search": search.value, "searching": search.view, "total": .text(String(page.totalCount)),
            "previous": number > 1 ? .text("/console/keypairs?page=\(number - 1)\(searchQuery)") : false,
            "next": number * Self.pageSize < page.totalCount ? .text("/console/keypairs?page=\(number + 1)\(searchQuery)") : false,
            "page_number": .text(String(number)),
        ]))
    }

    // MARK: Create and import

    private func createPage(_ request: ConsoleRequest, error: String?) -> ConsolePage {
        ConsolePage("keypair-create", title: "Create Key Pair", section: "Key Pairs", [
            "form_error": error.view, "name": request.form["keypair-name"].value, "ed25519": .flag(request.form["key-type"] == "ed25519"),
        ], status: error == nil ? .ok : .badRequest)
    }

    private func create(_ request: ConsoleRequest) async throws -> ConsoleReply {
        guard let requested = request.form["keypair-name"] else { return .page(createPage(request, error: "Key Pair Name is required.")) }
        let algorithm: KeyAlgorithm = request.form["key-type"] == "ed25519" ? .ed25519 : .rsa2048
        do {
            let created = try await endpoint.perform(request, .createKeyPair) { call in
                try await keyPairs.create(
                    call, regionID: request.regionID, name: try KeyPairName(requested, origin: .created), algorithm: algorithm,
                    resourceGroupID: "", tags: []
                )
            }
            // The private key leaves in this response only: it is never stored, logged or shown again.
            var pem = created.privateKeyPEM
            if !pem.hasSuffix("\n") { pem += "\n" }
            return .download(filename: created.keyPair.name + ".pem", contentType: "application/x-pem-file", bytes: Array(pem.utf8))
        } catch {
            return .page(createPage(request, error: Explanation.of(error)).withStatus(Explanation.status(of: error)))
        }
    }

    private func importPage(_ request: ConsoleRequest, error: String?) -> ConsolePage {
        ConsolePage("keypair-import", title: "Import Key Pair", section: "Key Pairs", [
            "form_error": error.view, "name": request.form["keypair-name"].value, "public_key": request.form.raw("public-key").value,
        ], status: error == nil ? .ok : .badRequest)
    }

    private func importKey(_ request: ConsoleRequest) async throws -> ConsoleReply {
        guard let requested = request.form["keypair-name"] else { return .page(importPage(request, error: "Key Pair Name is required.")) }
        guard let body = request.form["public-key"] else { return .page(importPage(request, error: "Public Key is required.")) }
        do {
            let keyPair = try await endpoint.perform(request, .importKeyPair) { call in
                try await keyPairs.importKey(
                    call, regionID: request.regionID, name: try KeyPairName(requested, origin: .imported), publicKeyBody: body,
                    resourceGroupID: "", tags: []
                )
            }
            return .redirect("/console/keypairs", notice: "Key pair \(keyPair.name) imported (\(keyPair.fingerprintSHA256)).")
        } catch {
            return .page(importPage(request, error: Explanation.of(error)).withStatus(Explanation.status(of: error)))
        }
    }

    // MARK: Delete

    private func deletePage(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let name = try request.parameter("name")
        let bound = try await boundInstances(request, name)
        return .page(ConsolePage("keypair-delete", title: "Delete Key Pair", section: "Key Pairs", [
            "name": .text(name), "segment": .text(ConsoleEndpoint.segment(name)), "bound": .list(bound.map { .text($0) }), "unbound": .flag(bound.isEmpty),
        ]))
    }

    private func delete(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let name = try request.parameter("name")
        do {
            _ = try await endpoint.perform(request, .deleteKeyPairs([name])) { try await keyPairs.delete($0, regionID: request.regionID, .names([name])) }
        } catch {
            let bound = (try? await boundInstances(request, name)) ?? []
            let page = ConsolePage("keypair-delete", title: "Delete Key Pair", section: "Key Pairs", [
                "name": .text(name), "segment": .text(ConsoleEndpoint.segment(name)), "form_error": .text(Explanation.of(error)),
                "bound": .list(bound.map { .text($0) }), "unbound": .flag(bound.isEmpty),
            ], status: Explanation.status(of: error))
            return .page(page)
        }
        return .redirect("/console/keypairs", notice: "Key pair \(name) deleted.")
    }

    /// The instances a key pair is bound to (DescribeKeyPairs' view of it).
    private func boundInstances(_ request: ConsoleRequest, _ name: String) async throws -> [String] {
        let query = KeyPairQuery(accountID: request.session.accountID, regionID: request.regionID, namePattern: NamePattern(name), fingerprintMD5: nil,
                                 resourceGroupID: nil, tags: [])
        return try await endpoint.perform(request, .describeKeyPairs) { call in
            let page = try await keyPairs.describe(call, query: query, page: PageRequest(number: 1, size: 1))
            guard page.items.contains(where: { $0.name == name }) else { throw DomainError.keyPairNotFound(name) }
            return try await keyPairs.boundInstances(call, regionID: request.regionID, names: [name])[name] ?? []
        }
    }

    // MARK: Bind and unbind

    private func bindingPage(_ request: ConsoleRequest, attach: Bool, error: String?) async throws -> ConsoleReply {
        let name = try request.parameter("name")
        let bound = Set(try await boundInstances(request, name))
        let all = try await endpoint.perform(request, .describeInstances) { call in
            try await instances.describe(call, query: InstanceQuery(accountID: request.session.accountID, regionID: request.regionID),
                                         page: PageRequest(number: 1, size: 100)).items
        }
        let choices: [View] = all.filter { attach ? !bound.contains($0.id) : bound.contains($0.id) }.map { instance in
            ["id": .text(instance.id), "name": .text(instance.name), "status": .text(instance.status.rawValue)]
        }
        return .page(ConsolePage("keypair-binding", title: attach ? "Bind Key Pair" : "Unbind Key Pair", section: "Key Pairs", [
            "name": .text(name), "segment": .text(ConsoleEndpoint.segment(name)), "choices": .list(choices), "none": .flag(choices.isEmpty),
            "action": .text(attach ? "bind" : "unbind"), "button": .text(attach ? "Bind Key Pair" : "Unbind Key Pair"), "attach": .flag(attach),
            "form_error": error.view,
        ], status: error == nil ? .ok : .badRequest))
    }

    private func bind(_ request: ConsoleRequest, attach: Bool) async throws -> ConsoleReply {
        let name = try request.parameter("name")
        let ids = request.form.all("instance")
        guard !ids.isEmpty else { return try await bindingPage(request, attach: attach, error: "Choose at least one instance.") }
        do {
            let results = try await InstanceBinding.apply(endpoint, request, keyPairName: name, instanceIDs: ids, attach: attach)
            return .page(try await InstanceBinding.resultPage(endpoint, request, keyPairName: name, results: results, attach: attach))
        } catch {
            return try await bindingPage(request, attach: attach, error: Explanation.of(error)).failing(error)
        }
    }
}
