import Services

/// What `keyward serve` prints once it listens: where, with which credentials, and how to point each SDK at it.
public enum StartupBanner {
    public static func text(endpoint: String, rootKey: CredentialService.RootKeyOutcome) -> String {
        let id: String
        let secretLine: String
        let secretValue: String
        switch rootKey {
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
        let hostPort = endpoint.replacingOccurrences(of: "http://", with: "")
        let port = hostPort.split(separator: ":").last.map(String.init) ?? "80"
        let host = hostPort.split(separator: ":").dropLast().joined(separator: ":")
        return """
            Keyward listening on \(endpoint)
            Root AccessKeyId:     \(id)
            \(secretLine)

            # Alibaba Cloud Python SDK (alibabacloud-ecs20140526)
            from alibabacloud_tea_openapi.models import Config
            from alibabacloud_ecs20140526.client import Client
            client = Client(Config(access_key_id="\(id)", access_key_secret="\(secretValue)",
                                   region_id="cn-hangzhou", endpoint="\(hostPort)", protocol="http"))

            # Alibaba Cloud legacy Python SDK (aliyun-python-sdk-ecs)
            from aliyunsdkcore.client import AcsClient
            client = AcsClient("\(id)", "\(secretValue)", "cn-hangzhou", port=\(port))
            # then, on each request: request.set_endpoint("\(host)")

            """
    }
}
