import Foundation
import Hygiene
import Instances
import KeywardCore
import Services
import SSHKeys

/// Instances: list, details that update themselves, Create Instance, Start / Stop / Restart / Release, Reset Instance
/// Password, Connect, Diagnose login, Create Custom Image, Bind and Unbind Key Pair.
struct InstancePages: Sendable {
    let endpoint: ConsoleEndpoint

    private var instances: InstanceService { endpoint.services.instances }

    /// Instance types offered by Create Instance (any valid ECS type name is accepted by the API).
    static let instanceTypes = [
        ("ecs.t6-c1m1.large", "ecs.t6-c1m1.large (2 vCPU, 2 GiB)"), ("ecs.e-c1m2.large", "ecs.e-c1m2.large (2 vCPU, 4 GiB)"),
        ("ecs.g7.large", "ecs.g7.large (2 vCPU, 8 GiB)"), ("ecs.c7.large", "ecs.c7.large (2 vCPU, 4 GiB)"), ("ecs.g7.xlarge", "ecs.g7.xlarge (4 vCPU, 16 GiB)"),
    ]

    func register(_ routes: inout ConsoleRoutes) {
        routes.get("instances") { try await list($0) }
        routes.get("instances.json") { try await listJSON($0) }
        routes.get("instances/create") { try await createPage($0, error: nil) }
        routes.post("instances/create") { try await create($0) }
        routes.get("instances/:id") { try await detail($0) }
        routes.get("instances/:id/status.json") { try await statusJSON($0) }
        for (path, action, done) in [("start", "StartInstance", "started"), ("stop", "StopInstance", "stopped"), ("restart", "RebootInstance", "restarted"),
                                     ("release", "DeleteInstance", "released")] {
            routes.post("instances/:id/\(path)") { try await power($0, action: action, done: done) }
        }
        routes.get("instances/:id/release") { request in
            let found = try await instance(request, try request.parameter("id"))
            return .page(ConsolePage("confirm", title: "Release Instance", section: "Instances", [
                "question": .text("Release \(found.name) (\(found.id))? The instance stops if it runs, and its disk is deleted."),
                "action": .text("/console/instances/\(found.id)/release"), "button": "Release", "back": .text("/console/instances/\(found.id)"),
                "force_label": "Release even if it is running (Force)",
            ]))
        }
        routes.get("instances/:id/password") { try await passwordPage($0, error: nil) }
        routes.post("instances/:id/password") { try await resetPassword($0) }
        routes.get("instances/:id/connect") { try await connect($0) }
        routes.get("instances/:id/diagnose") { try await diagnosePage($0, steps: nil, error: nil) }
        routes.post("instances/:id/diagnose") { try await diagnose($0) }
        routes.get("instances/:id/image") { try await imagePage($0, error: nil) }
        routes.post("instances/:id/image") { try await createImage($0) }
        routes.get("instances/:id/bind") { try await bindingPage($0, attach: true, error: nil) }
        routes.post("instances/:id/bind") { try await bind($0, attach: true) }
        routes.get("instances/:id/unbind") { try await bindingPage($0, attach: false, error: nil) }
        routes.post("instances/:id/unbind") { try await bind($0, attach: false) }
    }

    // MARK: Reading

    private func all(_ request: ConsoleRequest) async throws -> [Instance] {
        try await endpoint.perform(request, .describeInstances) { call in
            try await instances.describe(call, query: InstanceQuery(accountID: request.session.accountID, regionID: request.regionID),
                                         page: PageRequest(number: 1, size: 100)).items
        }
    }

    func instance(_ request: ConsoleRequest, _ id: String) async throws -> Instance {
        let found = try await endpoint.perform(request, .describeInstances) { call in
            try await instances.describe(call, query: InstanceQuery(accountID: request.session.accountID, regionID: request.regionID, ids: [id]),
                                         page: PageRequest(number: 1, size: 1)).items.first
        }
        guard let found else { throw DomainError.instanceNotFound(id) }
        return found
    }

    /// The region's key pairs a form offers (the first 50, as DescribeKeyPairs pages them); none when the caller may not
    /// list key pairs.
    private func keyPairChoices(_ request: ConsoleRequest) async -> [KeyPair] {
        (try? await endpoint.perform(request, .describeKeyPairs) { call in
            try await endpoint.services.keyPairs.describe(
                call, query: KeyPairQuery(accountID: request.session.accountID, regionID: request.regionID), page: PageRequest(number: 1, size: 50)
            ).items
        }) ?? []
    }

    /// What the list and the detail page show of an instance.
    static func view(_ instance: Instance) -> View {
        [
            "id": .text(instance.id), "name": .text(instance.name), "status": .text(instance.status.rawValue),
            "address": .text(instance.endpoint?.address ?? ""), "port": .text(String(instance.endpoint?.port ?? 22)), "image": .text(instance.imageID),
            "type": .text(instance.instanceType), "keypairs": .text(instance.bound.keyPairNames.joined(separator: " ")),
            "pending": .flag(isPending(instance)), "running": .flag(instance.status == .running), "stopped": .flag(instance.status == .stopped),
            "created": .text(ConsoleEndpoint.format(instance.creationTime)), "password_login": .flag(instance.bound.passwordAuthentication),
            "failure": instance.startFailure.view, "zone": .text(instance.placementZoneID),
        ]
    }

    /// Credentials changed and the instance has not restarted since.
    static func isPending(_ instance: Instance) -> Bool { instance.hasPendingCredentials && instance.effective != nil }

    private static func statusJSON(_ instance: Instance) -> [String: Any] {
        ["id": instance.id, "status": instance.status.rawValue, "address": instance.endpoint?.address ?? "", "pending": isPending(instance),
         "keypairs": instance.bound.keyPairNames.joined(separator: " "), "settled": [.running, .stopped].contains(instance.status)]
    }

    private func list(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let found = try await all(request)
        return .page(ConsolePage("instances", title: "Instances", section: "Instances", [
            "rows": .list(found.map(Self.view)), "empty": .flag(found.isEmpty),
        ]))
    }

    private func listJSON(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let found = try await all(request)
        return .json(.ok, try JSONSerialization.data(withJSONObject: ["instances": found.map(Self.statusJSON)]).bytes)
    }

    private func statusJSON(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let found = try await instance(request, try request.parameter("id"))
        return .json(.ok, try JSONSerialization.data(withJSONObject: Self.statusJSON(found)).bytes)
    }

    private func detail(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let found = try await instance(request, try request.parameter("id"))
        return .page(ConsolePage("instance", title: found.name, section: "Instances", Self.view(found)))
    }

    // MARK: Power

    private func power(_ request: ConsoleRequest, action: String, done: String) async throws -> ConsoleReply {
        let id = try request.parameter("id")
        do {
            try await endpoint.perform(request, .instanceAction(action, [id])) { call in
                switch action {
                case "StartInstance": try await instances.start(call, instanceID: id)
                case "StopInstance": try await instances.stop(call, instanceID: id)
                case "RebootInstance": try await instances.reboot(call, instanceID: id)
                default: try await instances.delete(call, instanceID: id, force: request.form.flag("force"))
                }
            }
        } catch {
            return .redirect(action == "DeleteInstance" ? "/console/instances" : "/console/instances/\(id)", notice: Explanation.of(error))
        }
        if action == "DeleteInstance" { return .redirect("/console/instances", notice: "Instance \(id) released.") }
        return .redirect("/console/instances/\(id)", notice: "Instance \(id) \(done).")
    }

    // MARK: Create Instance

    private func createPage(_ request: ConsoleRequest, error: String?) async throws -> ConsoleReply {
        let images = try await endpoint.perform(request, .describeImages) { call in
            try await endpoint.services.images.describe(call, regionID: request.regionID, ids: nil, ownerAlias: nil)
        }.filter { $0.osType == .linux }
        // A caller who may not list key pairs can still launch with a password.
        let keyPairs = await keyPairChoices(request)
        let form = request.form
        let chosenImage = form["image"] ?? request.query["image"]
        let credential = form["credential"] ?? "keypair"
        let chosenType = form["instance-type"] ?? Self.instanceTypes[0].0
        return .page(ConsolePage("instance-create", title: "Create Instance", section: "Instances", [
            "images": .list(images.map { ["id": .text($0.id), "name": .text($0.name), "selected": .flag($0.id == chosenImage), "custom": .flag(!$0.isPublic)] }),
            "types": .list(Self.instanceTypes.map { ["id": .text($0.0), "label": .text($0.1), "selected": .flag($0.0 == chosenType)] }),
            "keypairs": .list(keyPairs.map { ["name": .text($0.name), "selected": .flag($0.name == form["keypair"])] }),
            "no_keypairs": .flag(keyPairs.isEmpty), "name": form["instance-name"].value,
            "cred_keypair": .flag(credential == "keypair"), "cred_password": .flag(credential == "password"), "cred_inherit": .flag(credential == "inherit"),
            "form_error": error.view, "rules": PasswordRules.view(.ecs),
        ], status: error == nil ? .ok : .badRequest))
    }

    private func create(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let form = request.form
        guard let imageID = form["image"] else { return try await createPage(request, error: "Image is required.") }
        let instanceType = form["instance-type"] ?? Self.instanceTypes[0].0
        guard Self.instanceTypes.contains(where: { $0.0 == instanceType }) else { return try await createPage(request, error: "Choose an instance type.") }
        var launch = InstanceService.LaunchRequest(regionID: request.regionID, imageID: imageID, instanceType: instanceType)
        launch.instanceName = form["instance-name"]
        launch.passwordPolicy = { _ in .ecs }
        let credential = form["credential"] ?? "keypair"
        switch credential {
        case "keypair":
            guard let name = form["keypair"] else { return try await createPage(request, error: "Choose a key pair, or another logon credential.") }
            launch.keyPairs = .names([name])
        case "password":
            guard let password = form.raw("password"), !password.isEmpty else { return try await createPage(request, error: "Password is required.") }
            guard password == form.raw("confirm-password") else { return try await createPage(request, error: "The two passwords differ.") }
            launch.password = password
        case "inherit":
            launch.passwordInherit = true
        default:
            return try await createPage(request, error: "Choose a logon credential.")
        }
        // As RunInstances without PasswordInherit: the condition key is absent unless the preset password is chosen.
        let operation = Services.Operation.launch(start: true, instanceType: instanceType, passwordInherit: launch.passwordInherit ? true : nil,
                                                  passwordCustomized: launch.password != nil)
        let chosen = launch
        do {
            let ids = try await endpoint.perform(request, operation) { try await instances.launch($0, chosen) }
            guard let id = ids.first else { return .redirect("/console/instances") }
            return .redirect("/console/instances/\(id)", notice: "Instance \(id) created.")
        } catch {
            return try await createPage(request, error: Explanation.of(error)).failing(error)
        }
    }

    // MARK: Reset Instance Password

    private func passwordPage(_ request: ConsoleRequest, error: String?) async throws -> ConsoleReply {
        let found = try await instance(request, try request.parameter("id"))
        return .page(ConsolePage("instance-password", title: "Reset Instance Password", section: "Instances", Self.view(found).merging([
            "form_error": error.view, "rules": PasswordRules.view(.ecs), "keys_bound": .flag(!found.bound.keyPairs.isEmpty),
        ]), status: error == nil ? .ok : .badRequest))
    }

    private func resetPassword(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let id = try request.parameter("id")
        guard let password = request.form.raw("new-password"), !password.isEmpty else { return try await passwordPage(request, error: "New Password is required.") }
        guard password == request.form.raw("confirm-password") else { return try await passwordPage(request, error: "The two passwords differ.") }
        do {
            try await endpoint.perform(request, .modifyInstanceAttribute(id, passwordCustomized: true)) {
                try await instances.modify($0, instanceID: id, name: nil, hostName: nil, password: password)
            }
        } catch {
            return try await passwordPage(request, error: Explanation.of(error)).failing(error)
        }
        return .redirect("/console/instances/\(id)", notice: "The password of \(id) is reset. It takes effect after the instance restarts.")
    }

    // MARK: Connect and Diagnose login

    private func connect(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let found = try await instance(request, try request.parameter("id"))
        return .page(ConsolePage("instance-connect", title: "Connect", section: "Instances", Self.view(found).merging([
            "command": found.endpoint.map { .text(Self.sshCommand(found, endpoint: $0)) } ?? false,
            "key_file": found.bound.keyPairName.map { .text($0 + ".pem") } ?? false,
        ])))
    }

    /// The exact line to log in with: the bound key pair's downloaded file, or a password.
    static func sshCommand(_ instance: Instance, endpoint: InstanceEndpoint) -> String {
        let key = instance.bound.keyPairName.map { "-i \($0).pem " } ?? ""
        return "ssh \(key)root@\(endpoint.address) -p \(endpoint.port)"
    }

    private func diagnosePage(_ request: ConsoleRequest, steps: [DiagnosisStep]?, error: String?) async throws -> ConsoleReply {
        let found = try await instance(request, try request.parameter("id"))
        let stepViews: View = steps.map { steps in
            .list(steps.map { step in
                ["id": .text(step.id), "title": .text(step.title), "status": .text(step.status.rawValue), "detail": .text(step.detail),
                 "fix": step.fix.view, "failed": .flag(step.status == .failed)]
            })
        } ?? false
        let verdict: View = steps.map { steps in
            if let failed = steps.first(where: { $0.status == .failed }) { return .text("The first failing step: \(failed.title).") }
            return .text("Every step passed.")
        } ?? false
        return .page(ConsolePage("instance-diagnose", title: "Diagnose login", section: "Instances", Self.view(found).merging([
            "steps": stepViews, "has_steps": .flag(steps != nil), "verdict": verdict, "form_error": error.view, "keypairs_bound": .list(found.bound.keyPairNames.map { .text($0) }),
            "no_keys": .flag(found.bound.keyPairs.isEmpty),
        ])))
    }

    private func diagnose(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let id = try request.parameter("id")
        let (found, root) = try await endpoint.perform(request, .describeInstances) { try await instances.localRoot($0, instanceID: id) }
        guard let address = found.endpoint else { return try await diagnosePage(request, steps: nil, error: "The instance has no address yet.") }
        let privateKey = request.form.raw("private-key-text").flatMap { $0.contains("PRIVATE KEY") ? $0 : nil }
        let chosen = found.bound.keyPairs.first { $0.name == request.form["keypair"] } ?? found.bound.keyPairs.first
        guard privateKey != nil || chosen != nil else {
            return try await diagnosePage(request, steps: nil, error: "No key pair is bound to this instance: the doctor checks key logins. Bind a key pair, or give the private key.")
        }
        do {
            let steps = try await LoginDiagnosis.run(
                host: address.address, port: address.port, publicKey: chosen?.publicKey, privateKey: privateKey, root: root
            )
            return try await diagnosePage(request, steps: steps, error: nil)
        } catch {
            return try await diagnosePage(request, steps: nil, error: Explanation.of(error)).failing(error)
        }
    }

    // MARK: Create Custom Image

    private func imagePage(_ request: ConsoleRequest, error: String?) async throws -> ConsoleReply {
        let found = try await instance(request, try request.parameter("id"))
        return .page(ConsolePage("instance-image", title: "Create Custom Image", section: "Instances", Self.view(found).merging([
            "form_error": error.view, "image_name": request.form["image-name"].value, "image_description": request.form["image-description"].value,
        ]), status: error == nil ? .ok : .badRequest))
    }

    private func createImage(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let id = try request.parameter("id")
        let name = request.form["image-name"]
        let description = request.form["image-description"] ?? ""
        do {
            let imageID = try await endpoint.perform(request, .createImage(instanceID: id)) {
                try await endpoint.services.images.createImage($0, regionID: request.regionID, instanceID: id, name: name, description: description)
            }
            ImagePages(endpoint: endpoint).scan(imageID, request)
            return .redirect("/console/images/\(imageID)", notice: "Image \(imageID) created. Its hygiene scan is running.")
        } catch {
            return try await imagePage(request, error: Explanation.of(error)).failing(error)
        }
    }

    // MARK: Bind and unbind from the instance

    private func bindingPage(_ request: ConsoleRequest, attach: Bool, error: String?) async throws -> ConsoleReply {
        let found = try await instance(request, try request.parameter("id"))
        let names: [String]
        if attach {
            names = await keyPairChoices(request).map(\.name).filter { !found.bound.keyPairNames.contains($0) }
        } else {
            names = found.bound.keyPairNames
        }
        return .page(ConsolePage("instance-binding", title: attach ? "Bind Key Pair" : "Unbind Key Pair", section: "Instances", Self.view(found).merging([
            "choices": .list(names.map { .text($0) }), "none": .flag(names.isEmpty), "action": .text(attach ? "bind" : "unbind"),
            "button": .text(attach ? "Bind Key Pair" : "Unbind Key Pair"), "attach": .flag(attach), "form_error": error.view,
        ]), status: error == nil ? .ok : .badRequest))
    }

    private func bind(_ request: ConsoleRequest, attach: Bool) async throws -> ConsoleReply {
        let id = try request.parameter("id")
        guard let name = request.form["keypair"] else { return try await bindingPage(request, attach: attach, error: "Choose a key pair.") }
        do {
            let results = try await InstanceBinding.apply(endpoint, request, keyPairName: name, instanceIDs: [id], attach: attach)
            return .page(try await InstanceBinding.resultPage(endpoint, request, keyPairName: name, results: results, attach: attach))
        } catch {
            return try await bindingPage(request, attach: attach, error: Explanation.of(error)).failing(error)
        }
    }
}

/// Binding a key pair to instances, from the key pair's page or an instance's, and the page that follows.
enum InstanceBinding {
    static func apply(
        _ endpoint: ConsoleEndpoint, _ request: ConsoleRequest, keyPairName: String, instanceIDs: [String], attach: Bool
    ) async throws -> [InstanceService.BatchResult] {
        let instances = endpoint.services.instances
        return try await endpoint.perform(request, .keyPairBinding(attach: attach, keyPairName: keyPairName, instanceIDs: instanceIDs)) { call in
            attach
                ? try await instances.attachKeyPair(call, regionID: request.regionID, keyPairName: keyPairName, instanceIDs: instanceIDs)
                : try await instances.detachKeyPair(call, regionID: request.regionID, keyPairName: keyPairName, instanceIDs: instanceIDs)
        }
    }

    static func resultPage(
        _ endpoint: ConsoleEndpoint, _ request: ConsoleRequest, keyPairName: String, results: [InstanceService.BatchResult], attach: Bool
    ) async throws -> ConsolePage {
        let pages = InstancePages(endpoint: endpoint)
        var rows: [View] = []
        for result in results {
            let instance = try? await pages.instance(request, result.instanceID)
            rows.append([
                "id": .text(result.instanceID), "ok": .flag(result.error == nil), "error": result.error.map { Explanation.of($0) }.view,
                "restartable": .flag(result.error == nil && instance?.status == .running),
            ])
        }
        let succeeded = results.filter { $0.error == nil }.count
        let verb = attach ? "bound to" : "unbound from"
        return ConsolePage("binding-result", title: attach ? "Bind Key Pair" : "Unbind Key Pair", section: "Key Pairs", [
            "rows": .list(rows), "name": .text(keyPairName),
        ], notice: "Key pair \(keyPairName) \(verb) \(succeeded) of \(results.count) instance(s). It takes effect after the instance restarts.")
    }
}

extension Data {
    var bytes: [UInt8] { [UInt8](self) }
}
