import KeywardCore
import Services
import Store

/// An error in Tencent Cloud's words: always HTTP 200 with `{"Response":{"Error":{"Code","Message"},"RequestId"}}`.
public struct TencentError: Error, Sendable, Equatable {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    static func missingParameter(_ name: String) -> TencentError {
        TencentError("MissingParameter", "The request is missing a required parameter `\(name)`.")
    }

    static func invalidParameter(_ name: String, _ detail: String) -> TencentError {
        TencentError("InvalidParameter", "The parameter `\(name)` \(detail).")
    }

    static func invalidParameterValue(_ name: String, _ detail: String) -> TencentError {
        TencentError("InvalidParameterValue", "The value of `\(name)` \(detail).")
    }

    static let signatureFailure = TencentError("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
    static let secretIDNotFound = TencentError("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
    static let signatureExpire = TencentError("AuthFailure.SignatureExpire", "Signature expired. Timestamp and server time cannot differ by more than 5 minutes.")
    static let invalidAuthorization = TencentError("AuthFailure.InvalidAuthorization", "The `Authorization` header is not well formed.")
    static let tokenFailure = TencentError("AuthFailure.TokenFailure", "The token is invalid or expired.")
    static let invalidAction = TencentError("InvalidAction", "The requested action does not exist.")
    static let noSuchVersion = TencentError("NoSuchVersion", "The requested API version does not exist.")
    static let dryRun = TencentError("DryRunOperation", "The request would have succeeded; DryRun is set.")
    /// The database cannot be reached for now.
    static let serviceUnavailable = TencentError("ServiceUnavailable", "The service is temporarily unavailable.")
    static let internalError = TencentError("InternalError", "An internal error occurred.")

    /// The codes that mean the signature check refused a request, with the reason metrics count them under.
    static let authenticationFailureReasons: [String: String] = [
        "AuthFailure.SignatureFailure": "signature-mismatch",
        "AuthFailure.SecretIdNotFound": "unknown-access-key",
        "AuthFailure.SignatureExpire": "expired-timestamp",
        "AuthFailure.InvalidAuthorization": "incomplete-signature",
        "AuthFailure.TokenFailure": "malformed-security-token",
    ]
}

/// The one table from domain and access errors to Tencent's codes.
enum TencentErrorTable {
    static func tencentError(for error: any Error) -> TencentError {
        switch error {
        case let error as TencentError: error
        case let error as DomainError: tencentError(for: error)
        case let denial as AccessDenied:
            TencentError("AuthFailure.UnauthorizedOperation", "The request is not authorized: \(denial.action) (\(denial.kind.rawValue), \(denial.policyType)).")
        case is AccessError: TencentError("InvalidParameter", "The request is not valid.")
        case StoreError.unavailable: .serviceUnavailable
        case is RequestReplayed: .signatureFailure
        default: .internalError
        }
    }

    static func tencentError(for error: DomainError) -> TencentError {
        switch error {
        case .missingParameter(let name): .missingParameter(name)
        case .invalidParameter(let name, let reason): .invalidParameterValue(name, "is not valid: \(reason)")
        case .invalidRegion(let id): TencentError("UnsupportedRegion", "The region `\(id)` is not supported.")
        case .invalidKeyPairName: TencentError("InvalidKeyPairNameIncludeIllegalChar", "The key name contains illegal characters.")
        case .keyPairAlreadyExists(let name): TencentError("InvalidKeyPairName.Duplicate", "The key name `\(name)` already exists.")
        case .keyPairQuotaExceeded(let limit): TencentError("InvalidKeyPair.LimitExceeded", "The number of key pairs exceeds the quota of \(limit).")
        case .keyPairNotFound(let name): TencentError("InvalidKeyPairId.NotFound", "The specified key `\(name)` does not exist.")
        case .keyPairIDNotFound(let id):
            TencentError("InvalidKeyPairId.NotFound", "The specified KeyId `\(TencentProfile.keyIDPrefix)\(id)` does not exist.")
        case .keyPairInUse(let name, let instance):
            TencentError(
                "InvalidParameterValue.KeyPairNotSupported",
                "The key `\(name)` is associated with instance `\(TencentProfile.instanceID(instance))` and does not support the operation."
            )
        case .invalidPublicKeyBody(let reason): TencentError("InvalidPublicKey.Malformed", "Invalid public key: \(reason)")
        case .invalidTagKey, .invalidTagValue, .duplicateTagKey, .tooManyTags: TencentError("InvalidParameterValue.TagKeyInvalid", "The tags are not valid.")
        case .resourceNotFound(_, let id): TencentError("ResourceNotFound", "The resource `\(id)` does not exist.")
        case .instanceNotFound(let id):
            TencentError("InvalidInstanceId.NotFound", "The instance `\(id.hasPrefix("i-") ? TencentProfile.instanceID(id) : id)` does not exist.")
        case .zoneNotInRegion(let zone, let region): TencentError("InvalidZone.MismatchRegion", "The zone `\(zone)` is not in region `\(region)`.")
        case .imageNameAlreadyExists(let name): TencentError("InvalidImageName.Duplicate", "An image named `\(name)` already exists.")
        case .keyPairNotBound(let keyPair, let instance):
            TencentError("InvalidParameterValue", "The key `\(keyPair)` is not associated with instance `\(TencentProfile.instanceID(instance))`.")
        case .windowsInstanceKeyPair: TencentError("UnsupportedOperation.InstanceOsWindows", "Windows instances do not support key pairs.")
        case .imageInUse(let id): TencentError("InvalidImageId.IncorrectState", "The image `\(TencentProfile.imageID(id))` is in use.")
        case .imageNotFound(let id): TencentError("InvalidImageId.NotFound", "The image `\(TencentProfile.imageID(id))` does not exist.")
        case .idempotentParameterMismatch:
            TencentError("InvalidParameterValue.ClientToken", "The ClientToken was used by an earlier request with other parameters.")
        case .instanceOnAnotherHost(let instance, let host):
            TencentError("FailedOperation", "The instance `\(TencentProfile.instanceID(instance))` runs on Keyward host \(host): send this call to a server of that host.")
        case .incorrectInstanceStatus(let status): TencentError("UnsupportedOperation.InstanceState\(status.capitalized)", "The instance state does not support this operation.")
        case .invalidPassword: TencentError("InvalidParameterValue.InvalidPassword", "The password does not meet the requirements.")
        case .instanceQuotaExceeded: TencentError("LimitExceeded.InstanceQuota", "The number of instances exceeds the quota.")
        case .internalFailure: .internalError
        default: TencentError("InvalidParameterValue", "The request is not valid: \(error).")
        }
    }
}
