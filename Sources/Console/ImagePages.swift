import Foundation
import Hygiene
import KeywardCore
import Services

/// Images: custom images with the findings of each one's hygiene scan, and Delete.
struct ImagePages: Sendable {
    let endpoint: ConsoleEndpoint

    private var images: ImageService { endpoint.services.images }
    private var scans: ImageScans { endpoint.scans }

    func register(_ routes: inout ConsoleRoutes) {
        routes.get("images") { try await list($0) }
        routes.get("images/:id") { try await detail($0) }
        routes.get("images/:id/findings.json") { try await findingsJSON($0) }
        routes.post("images/:id/scan") { request in
            let id = try request.parameter("id")
            _ = try await image(request, id)
            scan(id, request)
            return .redirect("/console/images/\(id)", notice: "The hygiene scan of \(id) is running.")
        }
        routes.get("images/:id/delete") { request in
            let found = try await image(request, try request.parameter("id"))
            return .page(ConsolePage("confirm", title: "Delete Image", section: "Images", [
                "question": .text("Delete the custom image \(found.name) (\(found.id))? Instances made from it keep running."),
                "action": .text("/console/images/\(found.id)/delete"), "button": "Delete", "back": .text("/console/images/\(found.id)"),
                "force_label": "Delete even if instances still use it (Force)",
            ]))
        }
        routes.post("images/:id/delete") { request in
            let id = try request.parameter("id")
            do {
                try await endpoint.perform(request, .deleteImage(id)) { try await images.delete($0, imageID: id, force: request.form.flag("force")) }
            } catch {
                return .redirect("/console/images/\(id)", notice: Explanation.of(error))
            }
            scans.forget(id)
            return .redirect("/console/images", notice: "Image \(id) deleted.")
        }
    }

    /// Starts the image's hygiene scan (one at a time per image), its files located through the door as DescribeImages.
    func scan(_ imageID: String, _ request: ConsoleRequest) {
        scans.start(imageID: imageID) {
            try await endpoint.perform(request, .describeImages) { try await images.localRoot($0, imageID: imageID) }.root
        }
    }

    private func all(_ request: ConsoleRequest) async throws -> [Image] {
        try await endpoint.perform(request, .describeImages) { try await images.describe($0, regionID: request.regionID, ids: nil, ownerAlias: nil) }
    }

    private func image(_ request: ConsoleRequest, _ id: String) async throws -> Image {
        guard let found = try await endpoint.perform(request, .describeImages, { try await images.describe($0, regionID: request.regionID, ids: [id], ownerAlias: nil) })
            .first(where: { $0.id == id }) else { throw DomainError.imageNotFound(id) }
        return found
    }

    private func list(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let found = try await all(request)
        let custom = found.filter { !$0.isPublic }
        return .page(ConsolePage("images", title: "Images", section: "Images", [
            "custom": .list(custom.map { image in Self.summary(image).merging(["findings": .text(Self.findingsLine(scans.state(of: image.id)))]) }),
            "no_custom": .flag(custom.isEmpty), "public": .list(found.filter(\.isPublic).map(Self.summary)),
        ]))
    }

    static func summary(_ image: Image) -> View {
        [
            "id": .text(image.id), "name": .text(image.name), "os": .text(image.osName), "status": "Available",
            "created": .text(ConsoleEndpoint.format(image.creationTime)), "source": image.sourceInstanceID.value, "has_source": .flag(image.sourceInstanceID != nil),
            "preset_passwords": .text(image.presetPasswordUsers.joined(separator: ", ")), "has_preset": .flag(!image.presetPasswordUsers.isEmpty),
            "description": image.description.isEmpty ? false : .text(image.description),
        ]
    }

    /// "1 high · 2 medium", "Scanning…", "No findings".
    static func findingsLine(_ state: ImageScans.State?) -> String {
        switch state {
        case nil: return "Not scanned yet"
        case .scanning?: return "Scanning…"
        case .unavailable?: return "Not scanned (no local files)"
        case .failed(let reason)?: return "Scan failed: \(reason)"
        case .done(let report, _)?:
            let counts = Severity.allCases.reversed().compactMap { severity -> String? in
                let n = report.findings.filter { $0.severity == severity }.count
                return n == 0 ? nil : "\(n) \(severity.rawValue)"
            }
            return counts.isEmpty ? "No findings" : counts.joined(separator: " · ")
        }
    }

    private func detail(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let found = try await image(request, try request.parameter("id"))
        let state = scans.state(of: found.id)
        var view = Self.summary(found).merging([
            "custom": .flag(!found.isPublic), "counts": .text(Self.findingsLine(state)), "scanning": .flag(Self.isScanning(state)),
            "never_scanned": .flag(state == nil),
        ])
        if case .done(let report, let finished)? = state {
            view = view.merging([
                "findings": .list(report.findings.sorted { $0.severity > $1.severity }.map(Self.finding)), "no_findings": .flag(report.findings.isEmpty),
                "scanned": .text(ConsoleEndpoint.format(finished)),
            ])
        }
        return .page(ConsolePage("image", title: found.name, section: "Images", view))
    }

    private static func isScanning(_ state: ImageScans.State?) -> Bool {
        if case .scanning? = state { return true }
        return false
    }

    static func finding(_ finding: Finding) -> View {
        [
            "rule": .text(finding.rule.rawValue), "severity": .text(finding.severity.rawValue), "path": .text(finding.path),
            "line": finding.line.map { .text(String($0)) } ?? false, "message": .text(finding.message), "fix": .text(finding.remediation),
        ]
    }

    private func findingsJSON(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let found = try await image(request, try request.parameter("id"))
        let state = scans.state(of: found.id)
        var body: [String: Any] = ["id": found.id, "summary": Self.findingsLine(state), "scanning": Self.isScanning(state)]
        if case .done(let report, _)? = state { body["count"] = report.findings.count }
        return .json(.ok, try JSONSerialization.data(withJSONObject: body).bytes)
    }
}
