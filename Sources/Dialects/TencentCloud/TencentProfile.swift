import Crypto
import Foundation
import KeywardCore

/// Tencent Cloud CVM: `skey-`/`ins-`/`img-` ids, its name and password rules, its times, in one place.
enum TencentProfile: VendorProfile {
    static let regionNaming = "tencent"

    static func failure(for error: DomainError) -> TencentError { TencentErrorTable.tencentError(for: error) }

    static let keyIDPrefix = "skey-"
    static let instanceIDPrefix = "ins-"
    static let imageIDPrefix = "img-"

    /// `skey-` + the key pair's short id.
    static func keyID(_ keyPair: KeyPair) -> String { keyIDPrefix + keyPair.shortID }
    static func instanceID(_ id: String) -> String { instanceIDPrefix + ResourceID.shortID(of: id) }

    /// `img-` + eight characters: a custom image's short id, or for a public image (whose id is a file name) eight
    /// characters derived from its id, the same on every server.
    static func imageID(_ id: String) -> String {
        if id.hasPrefix("m-"), id.count == 22 { return imageIDPrefix + ResourceID.shortID(of: id) }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let digest = SHA256.hash(data: Data(id.utf8))
        return imageIDPrefix + String(digest.prefix(8).map { alphabet[Int($0) % alphabet.count] })
    }

    /// The password rules Tencent documents: for Linux, RunInstances takes 8–30 characters of at least two classes and
    /// ResetInstancesPassword three classes and no leading `/`; Windows needs 12–30 characters of three classes.
    static let specials = "()`~!@#$%^&*-+=_|{}[]:;'<>,.?/"
    static let linuxLaunchPassword = PasswordPolicy(lengthRange: 8...30, specialCharacters: specials, minimumClasses: 2)
    static let linuxResetPassword = PasswordPolicy(lengthRange: 8...30, specialCharacters: specials, minimumClasses: 3, forbiddenFirstCharacters: "/")
    static let windowsPassword = PasswordPolicy(lengthRange: 12...30, specialCharacters: specials, minimumClasses: 3, forbiddenFirstCharacters: "/")

    static func launchPasswordPolicy(for system: OSType) -> PasswordPolicy { system == .windows ? windowsPassword : linuxLaunchPassword }
    static func resetPasswordPolicy(for system: OSType) -> PasswordPolicy { system == .windows ? windowsPassword : linuxResetPassword }

    /// `InstanceState`: Keyward's status in Tencent's words (a reboot in progress is REBOOTING; an instance whose launch
    /// failed to boot is LAUNCH_FAILED until it is started).
    static func state(_ instance: Instance) -> String {
        switch (instance.status, instance.latestOperation.map { ($0.kind, $0.state) }) {
        case (.starting, (.reboot, .operating)?): "REBOOTING"
        case (.stopped, (.launch, .failed)?): "LAUNCH_FAILED"
        default: instance.status.rawValue.uppercased()
        }
    }

    /// The statuses a Tencent `instance-state` value names; nil when it is no state Tencent has.
    static func statuses(named state: String) -> Set<InstanceStatus>? {
        switch state {
        case "PENDING": [.pending]
        case "RUNNING": [.running]
        case "STOPPED": [.stopped]
        case "STARTING", "REBOOTING": [.starting]
        case "STOPPING": [.stopping]
        // A failed launch shows as LAUNCH_FAILED but is stored Stopped: the filter does not find it (it matches STOPPED).
        case "LAUNCH_FAILED", "SHUTDOWN", "TERMINATING": []
        default: nil
        }
    }

    /// `LatestOperation`: the CVM action that does what the operation did.
    static func operationName(_ kind: InstanceOperation.Kind) -> String {
        switch kind {
        case .launch: "RunInstances"
        case .start: "StartInstances"
        case .stop: "StopInstances"
        case .reboot: "RebootInstances"
        case .resetPassword: "ResetInstancesPassword"
        case .bindKeyPairs: "AssociateInstancesKeyPairs"
        case .unbindKeyPairs: "DisassociateInstancesKeyPairs"
        case .createImage: "CreateImage"
        }
    }

    /// Tencent's id formats: a prefix and eight lowercase letters or digits; a malformed one is refused with its own code.
    enum IDFormat {
        case keyPair, instance, image

        var prefix: String {
            switch self {
            case .keyPair: keyIDPrefix
            case .instance: instanceIDPrefix
            case .image: imageIDPrefix
            }
        }

        /// The short id inside a well-formed id, or the format's `*.Malformed` error.
        func shortID(_ id: String) throws(TencentError) -> String {
            guard let short = TencentProfile.shortID(id, prefix: prefix) else {
                let code = switch self {
                case .keyPair: "InvalidKeyPairId.Malformed"
                case .instance: "InvalidInstanceId.Malformed"
                case .image: "InvalidImageId.Malformed"
                }
                throw TencentError(code, "The id `\(id)` is malformed; it looks like \(prefix)xxxxxxxx (x a lowercase letter or digit).")
            }
            return short
        }

        func shortIDs(_ ids: [String]) throws(TencentError) -> [String] {
            try ids.map { id throws(TencentError) in try shortID(id) }
        }
    }

    /// The short id inside `prefix` + 8 lowercase letters or digits; nil when malformed.
    static func shortID(_ id: String, prefix: String) -> String? {
        guard id.hasPrefix(prefix) else { return nil }
        let body = id.dropFirst(prefix.count)
        guard body.count == 8, body.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else { return nil }
        return String(body)
    }

    /// Tencent's key name rule, the same for created and imported keys: 1–25 of letters, digits and `_`.
    static func keyPairName(_ name: String, origin: KeyPairName.Origin = .created) throws(TencentError) -> KeyPairName {
        guard !name.isEmpty else { throw TencentError("InvalidKeyPairNameEmpty", "The key name cannot be empty.") }
        guard name.count <= 25 else { throw TencentError("InvalidKeyPairNameTooLong", "The key name cannot exceed 25 characters.") }
        guard name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }) else {
            throw TencentError("InvalidKeyPairNameIncludeIllegalChar", "The key name `\(name)` can contain only letters, digits and underscores.")
        }
        return KeyPairName(checkedByDialect: name)
    }

    /// ISO 8601 UTC to the second, as CreatedTime is written.
    static func time(_ date: Date) -> String {
        ECSTime.format(date, seconds: true)
    }
}
