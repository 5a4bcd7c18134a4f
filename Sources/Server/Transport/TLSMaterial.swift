import Crypto
import Foundation
import Instances
import KeywardCore
import NIOSSL
import SwiftASN1
import X509

/// The certificate and key the API listener serves: the operator's PEM files, or a self-signed ECDSA P-256
/// certificate made at first start and kept in the data directory (reused on every restart).
public struct TLSMaterial: Sendable {
    /// The PEM file of the certificate chain; for a self-signed certificate, also the CA file clients trust.
    public let certificateFile: String
    public let keyFile: String
    /// `SHA256:` and the colon-separated hex of the SHA-256 of the leaf certificate's DER, as `openssl x509 -fingerprint -sha256` prints it.
    public let fingerprint: String
    public let isSelfSigned: Bool
    let configuration: TLSConfiguration

    /// Why TLS cannot be set up.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Loads the operator's certificate chain and private key.
    public static func load(certificate: String, key: String) throws(Failure) -> TLSMaterial {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw Failure(description: "tls-cert \(certificate): not a readable PEM certificate chain (\(error))")
        }
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw Failure(description: "tls-key \(key): not a readable, unencrypted PEM private key (\(error))")
        }
        guard let leaf = chain.first, let der = try? leaf.toDERBytes() else {
            throw Failure(description: "tls-cert \(certificate): holds no certificate")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        return TLSMaterial(certificateFile: certificate, keyFile: key, fingerprint: fingerprint(der: der), isSelfSigned: false,
                           configuration: configuration)
    }

    /// The self-signed certificate in `directory` (`tls/cert.pem`, `tls/key.pem`), made when absent, covering
    /// `names` and `addresses` besides this host's name and the loopback addresses.
    public static func selfSigned(in directory: String, listenHost: String) throws(Failure) -> TLSMaterial {
        let folder = directory + "/tls"
        let certificate = folder + "/cert.pem"
        let key = folder + "/key.pem"
        if !FileManager.default.fileExists(atPath: certificate) || !FileManager.default.fileExists(atPath: key) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let (certificatePEM, keyPEM) = try makeSelfSigned(listenHost: listenHost)
                try SecretFile.write(Array(keyPEM.utf8), to: key, mode: 0o600)
                try SecretFile.write(Array(certificatePEM.utf8), to: certificate, mode: 0o644)
            } catch {
                throw Failure(description: "cannot make a self-signed certificate in \(folder): \(error)")
            }
        }
        let material = try load(certificate: certificate, key: key)
        return TLSMaterial(certificateFile: certificate, keyFile: key, fingerprint: material.fingerprint, isSelfSigned: true,
                           configuration: material.configuration)
    }

    static func makeSelfSigned(listenHost: String, now: Date = Date()) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let hostName = ProcessInfo.processInfo.hostName
        let name = try DistinguishedName {
            OrganizationName("Keyward")
            CommonName(hostName.isEmpty ? "keyward" : hostName)
        }
        var dnsNames = ["localhost"]
        if !hostName.isEmpty, hostName != "localhost" { dnsNames.append(hostName) }
        var addresses: [[UInt8]] = [[127, 0, 0, 1], Array(repeating: 0, count: 15) + [1]]
        if let bytes = IPAddressLiteral.bytes(listenHost), !addresses.contains(bytes), !bytes.allSatisfy({ $0 == 0 }) {
            addresses.append(bytes)
        } else if IPAddressLiteral.bytes(listenHost) == nil, !dnsNames.contains(listenHost) {
            dnsNames.append(listenHost)
        }
        if IPAddressLiteral.bytes(listenHost)?.allSatisfy({ $0 == 0 }) ?? false {
            // A wildcard listener is reached at any of the host's addresses.
            for bytes in HostAddresses.all() where !addresses.contains(bytes) { addresses.append(bytes) }
        }
        let alternativeNames = dnsNames.map { GeneralName.dnsName($0) } + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 366 * 86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: publicKey).keyIdentifier)
                SubjectAlternativeNames(alternativeNames)
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        return (try certificate.serializeAsPEM().pemString + "\n", key.pemRepresentation + "\n")
    }

    static func fingerprint(der: [UInt8]) -> String {
        "SHA256:" + Hex.encode(SHA256.hash(data: der), uppercase: true, separator: ":")
    }
}

/// IPv4 and IPv6 literals.
public enum IPAddressLiteral {
    /// The network-order bytes of an IPv4 or IPv6 literal; nil for a name.
    public static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
