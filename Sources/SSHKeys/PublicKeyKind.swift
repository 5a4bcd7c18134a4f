/// The kind of key material a public key carries, whether bare or inside a certificate.
public enum PublicKeyKind: Sendable, Hashable, CaseIterable {
    case rsa
    case dsa
    case ecdsaP256
    case ecdsaP384
    case ecdsaP521
    case ed25519
    case skEd25519
    case skEcdsaP256

    /// The OpenSSH key type name of the plain key, e.g. `ssh-rsa`.
    public var keyTypeName: String {
        switch self {
        case .rsa: "ssh-rsa"
        case .dsa: "ssh-dss"
        case .ecdsaP256: "ecdsa-sha2-nistp256"
        case .ecdsaP384: "ecdsa-sha2-nistp384"
        case .ecdsaP521: "ecdsa-sha2-nistp521"
        case .ed25519: "ssh-ed25519"
        case .skEd25519: "sk-ssh-ed25519@openssh.com"
        case .skEcdsaP256: "sk-ecdsa-sha2-nistp256@openssh.com"
        }
    }

    /// The OpenSSH type name of a (v01) certificate for this kind, e.g. `ssh-rsa-cert-v01@openssh.com`.
    public var certificateTypeName: String {
        let base = keyTypeName.hasSuffix("@openssh.com") ? String(keyTypeName.dropLast("@openssh.com".count)) : keyTypeName
        return base + "-cert-v01@openssh.com"
    }

    /// The label `ssh-keygen -l` prints in parentheses for a plain key: `RSA`, `ECDSA`, `ED25519-SK`, …
    public var displayName: String {
        switch self {
        case .rsa: "RSA"
        case .dsa: "DSA"
        case .ecdsaP256, .ecdsaP384, .ecdsaP521: "ECDSA"
        case .ed25519: "ED25519"
        case .skEd25519: "ED25519-SK"
        case .skEcdsaP256: "ECDSA-SK"
        }
    }

    /// The SSH curve identifier of the ECDSA kinds (`nistp256`, …), nil for the others.
    var curveName: String? {
        switch self {
        case .ecdsaP256, .skEcdsaP256: "nistp256"
        case .ecdsaP384: "nistp384"
        case .ecdsaP521: "nistp521"
        case .rsa, .dsa, .ed25519, .skEd25519: nil
        }
    }
}

/// How the key material is wrapped in a blob.
enum KeyEnvelope: Sendable, Hashable {
    /// A bare public key.
    case plain
    /// `*-cert-v01@openssh.com` (OpenSSH 5.6 and later).
    case certificateV01
    /// `ssh-rsa-cert-v00@openssh.com` / `ssh-dss-cert-v00@openssh.com` (OpenSSH 5.4–6.9).
    case certificateV00
}

/// A recognised OpenSSH key type name.
struct KeyTypeName: Sendable, Hashable {
    let kind: PublicKeyKind
    let envelope: KeyEnvelope

    /// Looks up every plain, v01 certificate and legacy v00 certificate name OpenSSH has used.
    init?(_ name: String) {
        guard let found = Self.all.first(where: { $0.name == name }) else { return nil }
        self = found.type
    }

    /// The name this type is written as in a key line and at the start of its blob.
    var name: String {
        switch envelope {
        case .plain: kind.keyTypeName
        case .certificateV01: kind.certificateTypeName
        case .certificateV00: kind == .rsa ? "ssh-rsa-cert-v00@openssh.com" : "ssh-dss-cert-v00@openssh.com"
        }
    }

    private static let all: [(name: String, type: KeyTypeName)] = {
        var types = PublicKeyKind.allCases.flatMap { kind in
            [KeyTypeName(kind: kind, envelope: .plain), KeyTypeName(kind: kind, envelope: .certificateV01)]
        }
        types.append(KeyTypeName(kind: .rsa, envelope: .certificateV00))
        types.append(KeyTypeName(kind: .dsa, envelope: .certificateV00))
        return types.map { (name: $0.name, type: $0) }
    }()

    /// True when `name` is any key type name OpenSSH knows.
    static func isKnown(_ name: some StringProtocol) -> Bool {
        all.contains { $0.name == name }
    }

    init(kind: PublicKeyKind, envelope: KeyEnvelope) {
        self.kind = kind
        self.envelope = envelope
    }
}
