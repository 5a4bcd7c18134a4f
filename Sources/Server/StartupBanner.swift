import Services

/// What `keyward serve` prints once it listens: where, with which credentials, and how to point each SDK at it.
public enum StartupBanner {
    public static func text(_ info: KeywardServer.StartupInfo) -> String {
        let id: String
        let secretLine: String
        let secretValue: String
        switch info.rootKey {
        case .generated(let keyID, let secret):
            id = keyID
            secretValue = secret
            secretLine = "AccessKeySecret: \(secret)   (shown only now: store it safely)"
        case .configured(let keyID):
            id = keyID
            secretValue = "<KEYWARD_ROOT_ACCESS_KEY_SECRET>"
            secretLine = "AccessKeySecret: from KEYWARD_ROOT_ACCESS_KEY_SECRET"
        case .existing(let keyID):
            id = keyID
            secretValue = "<the secret printed at first start>"
            secretLine = "AccessKeySecret: printed at first start (not stored in clear)"
        }
        let secure = info.tls != nil
        let listened = info.endpoint.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
        let host = listened.split(separator: ":").dropLast().joined(separator: ":")
        // A wildcard listener is reached, from this host, at its loopback address.
        let reachable = host == "0.0.0.0" || host == "[::]" ? "127.0.0.1" : host
        let hostPort = "\(reachable):\(info.port)"
        var text = "Keyward listening on \(info.endpoint)\n"
        if let tls = info.tls {
            text += "TLS certificate:      \(tls.certificateFile)\(tls.isSelfSigned ? " (self-signed; trust this file as the CA)" : "")\n"
            text += "TLS fingerprint:      \(tls.fingerprint)\n"
        } else if !ServerConfiguration.isLoopback(host.trimmingCharacters(in: ["[", "]"])) {
            text += "WARNING: plain HTTP on a non-loopback address (--allow-plain-http): private keys that CreateKeyPair returns and every "
                + "request's contents cross the network unencrypted, readable by anyone on the path.\n"
        }
        let ca = info.tls?.certificateFile ?? ""
        let console = info.endpoint + "/console"
        switch info.rootPassword {
        case .generated(let password)?:
            text += "Console: \(console) — log on as root with password: \(password)   (shown only now)\n"
        case .configured?:
            text += "Console: \(console) — log on as root with the password from KEYWARD_ROOT_PASSWORD\n"
        case .existing?:
            text += "Console: \(console) — log on as root (password set at first start or with keyward admin set-root-password)\n"
        case nil:
            break
        }
        text += """
            Root AccessKeyId:     \(id)
            \(secretLine)
            Instances: \(info.driver)
            Metadata service: \(info.metadataEndpoint ?? "off")
            Metrics: \(info.metricsEndpoint ?? "off")

            # Alibaba Cloud Python SDK (alibabacloud-ecs20140526)
            from alibabacloud_tea_openapi.models import Config
            from alibabacloud_ecs20140526.client import Client
            client = Client(Config(access_key_id="\(id)", access_key_secret="\(secretValue)",
                                   region_id="cn-hangzhou", endpoint="\(hostPort)", protocol="\(secure ? "https" : "http")"\(secure ? ", ca=\"\(ca)\"" : "")))

            # Alibaba Cloud legacy Python SDK (aliyun-python-sdk-ecs)
            from aliyunsdkcore.client import AcsClient
            client = AcsClient("\(id)", "\(secretValue)", "cn-hangzhou", port=\(info.port)\(secure ? ", verify=\"\(ca)\"" : ""))
            # then, on each request: request.set_endpoint("\(reachable)")\(secure ? "; request.set_protocol_type(\"https\")" : "")

            # Tencent Cloud Python SDK (tencentcloud-sdk-python), CVM in ap-guangzhou, ap-shanghai, ap-beijing, ap-singapore
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.cvm.v20170312 import cvm_client
            cvm = cvm_client.CvmClient(credential.Credential("\(id)", "\(secretValue)"), "ap-guangzhou", ClientProfile(httpProfile=HttpProfile(
                endpoint="\(hostPort)", protocol="\(secure ? "https" : "http")"\(secure ? ", certification=\"\(ca)\"" : ""))))

            """
        return text
    }
}
