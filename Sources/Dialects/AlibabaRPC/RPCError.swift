import DialectWire
import KeywardCore

/// An error in the Alibaba RPC dialect: HTTP status, code and message exactly as the SDKs read them.
public struct RPCError: Error, Sendable, Equatable {
    public let status: Int
    public let code: String
    public let message: String
    /// Who was refused what, for access denials (`AccessDeniedDetail` in the body).
    public var accessDeniedDetail: JSONValue?

    public init(status: Int, code: String, message: String, accessDeniedDetail: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.accessDeniedDetail = accessDeniedDetail
    }

    /// A request that is not an RPC request, in Alibaba's words.
    init(_ malformed: RPCRequest.Malformed) {
        switch malformed {
        case .query: self.init(status: 400, code: "InvalidParameter", message: "The request query is not well formed.")
        case .body: self.init(status: 400, code: "InvalidParameter", message: "The request body is not well formed.")
        case .repeatedParameter(let name): self.init(status: 400, code: "InvalidParameter", message: "The parameter \"\(name)\" is given more than once.")
        case .missingParameter(let name): self = .missingParameter(name)
        case .incompleteSignature: self = .incompleteSignature
        }
    }

    static func missingParameter(_ name: String) -> RPCError {
        RPCError(status: 400, code: "MissingParameter", message: "The input parameter \"\(name)\" that is mandatory for processing this request is not supplied.")
    }

    static func invalidParameter(_ name: String, _ detail: String? = nil) -> RPCError {
        RPCError(status: 400, code: "InvalidParameter", message: "The specified parameter \"\(name)\" is not valid." + (detail.map { " \($0)" } ?? ""))
    }

    static let incompleteSignature = RPCError(status: 400, code: "IncompleteSignature", message: "The request signature does not conform to Aliyun standards.")
    static let accessKeyNotFound = RPCError(status: 404, code: "InvalidAccessKeyId.NotFound", message: "Specified access key is not found.")
    static let accessKeyInactive = RPCError(status: 400, code: "InvalidAccessKeyId.Inactive", message: "Specified access key is disabled.")
    static let timestampExpired = RPCError(status: 400, code: "InvalidTimeStamp.Expired", message: "Specified time stamp or date value is expired.")
    static let timestampFormat = RPCError(status: 400, code: "InvalidTimeStamp.Format", message: "Specified time stamp or date value is not well formatted.")
    static let nonceUsed = RPCError(status: 400, code: "SignatureNonceUsed", message: "Specified signature nonce was used already.")
    static let unsupportedSignatureMethod = RPCError(status: 400, code: "InvalidSignatureMethod", message: "Specified signature method is not supported.")
    static let actionNotFound = RPCError(status: 400, code: "InvalidAction.NotFound", message: "Specified api is not found, please check your url and method.")
    static let versionNotFound = RPCError(status: 400, code: "InvalidVersion", message: "Specified parameter Version is not valid.")
    static let missingSecurityToken = RPCError(status: 400, code: "MissingSecurityToken", message: "SecurityToken is mandatory for this action.")
    static let malformedSecurityToken = RPCError(status: 400, code: "InvalidSecurityToken.Malformed", message: "Specified SecurityToken is malformed.")
    static let mismatchedSecurityToken = RPCError(
        status: 400, code: "InvalidSecurityToken.MismatchWithAccessKey", message: "Specified SecurityToken mismatch with the AccessKey."
    )
    static let expiredSecurityToken = RPCError(status: 403, code: "InvalidSecurityToken.Expired", message: "Specified SecurityToken is expired.")
    /// The database cannot be reached for now (the SDKs retry this code on read actions).
    static let serviceUnavailable = RPCError(status: 503, code: "ServiceUnavailable", message: "The request has failed due to a temporary failure of the server.")
    static let internalError = RPCError(status: 500, code: "InternalError", message: "The request processing has failed due to some unknown error, exception or failure.")

    /// The codes that mean the signature check refused a request, with the reason metrics count them under.
    static let authenticationFailureReasons: [String: String] = [
        "SignatureDoesNotMatch": "signature-mismatch",
        "IncompleteSignature": "incomplete-signature",
        "InvalidAccessKeyId.NotFound": "unknown-access-key",
        "InvalidAccessKeyId.Inactive": "inactive-access-key",
        "InvalidTimeStamp.Expired": "expired-timestamp",
        "InvalidTimeStamp.Format": "malformed-timestamp",
        "InvalidSignatureMethod": "unsupported-method",
        "SignatureNonceUsed": "replay",
        "MissingSecurityToken": "missing-security-token",
        "InvalidSecurityToken.Malformed": "malformed-security-token",
        "InvalidSecurityToken.MismatchWithAccessKey": "mismatched-security-token",
        "InvalidSecurityToken.Expired": "expired-security-token",
    ]

    static func signatureDoesNotMatch(stringToSign: String) -> RPCError {
        RPCError(status: 400, code: "SignatureDoesNotMatch", message: "Specified signature is not matched with our calculation. server string to sign is:" + stringToSign)
    }
}

/// The one table from domain errors to this dialect's codes.
enum AlibabaErrorTable {
    static func rpcError(for error: DomainError) -> RPCError {
        switch error {
        case .missingParameter(let name): .missingParameter(name)
        case .invalidParameter(let name, let reason): .invalidParameter(name, reason)
        case .invalidRegion: RPCError(status: 404, code: "InvalidRegionId.NotFound", message: "The specified RegionId does not exist.")
        case .invalidKeyPairName: RPCError(status: 400, code: "InvalidKeyPairName.Malformed", message: "Specified Key Pair name is not valid.")
        case .keyPairAlreadyExists: RPCError(status: 400, code: "KeyPair.AlreadyExist", message: "The key pair already exist.")
        case .keyPairQuotaExceeded: RPCError(status: 403, code: "QuotaExceed.KeyPair", message: "The key pair quota exceeds.")
        case .keyPairNotFound: RPCError(status: 400, code: "InvalidKeyPairName.NotFound", message: "The specified KeyPairName does not exist in our records.")
        case .keyPairIDNotFound: RPCError(status: 400, code: "InvalidKeyPairId.NotFound", message: "The specified KeyPairId does not exist in our records.")
        case .keyPairInUse(let name, _):
            RPCError(status: 403, code: "KeyPair.InUse", message: "The key pair \(name) is bound to an instance.")
        case .invalidPublicKeyBody(let reason):
            RPCError(status: 400, code: "InvalidPublicKeyBody.Malformed", message: "The PublicKeyBody format is not supported. \(reason)")
        case .invalidKeyPairNames:
            RPCError(status: 400, code: "InvalidKeyPairNames.ValueNotSupported", message: "The specified parameter \"KeyPairNames\" is not valid.")
        case .invalidTagKey: RPCError(status: 400, code: "InvalidTagKey.Malformed", message: "The specified Tag.n.Key is not valid.")
        case .invalidTagValue: RPCError(status: 400, code: "InvalidTagValue.Malformed", message: "The specified Tag.n.Value is not valid.")
        case .duplicateTagKey: RPCError(status: 400, code: "Duplicate.TagKey", message: "The Tag.N.Key contain duplicate key.")
        case .tooManyTags(let limit): RPCError(status: 400, code: "InvalidTagCount", message: "The count of tags exceeds the limit of \(limit).")
        case .invalidResourceType(let type): RPCError(status: 400, code: "InvalidResourceType.NotSupported", message: "The specified ResourceType \"\(type)\" is not supported.")
        case .resourceNotFound(_, let id): RPCError(status: 404, code: "InvalidResourceId.NotFound", message: "The specified ResourceIds \"\(id)\" are not found.")
        case .invalidResourceGroup: RPCError(status: 404, code: "InvalidResourceGroup.NotFound", message: "The specified resource group is not found.")
        case .instanceNotFound: RPCError(status: 404, code: "InvalidInstanceId.NotFound", message: "The specified InstanceId does not exist.")
        case .imageNotFound: RPCError(status: 404, code: "InvalidImageId.NotFound", message: "The specified ImageId does not exist.")
        case .zoneNotInRegion: RPCError(status: 403, code: "InvalidZoneId.NotFound", message: "The specified ZoneId does not exist in this region.")
        case .imageNameAlreadyExists: RPCError(status: 400, code: "InvalidImageName.Duplicated", message: "The specified Image name has already been used.")
        case .keyPairNotBound(let keyPair, let instance):
            RPCError(status: 400, code: "InvalidParameter.KeyPairName", message: "The key pair \(keyPair) is not bound to instance \(instance).")
        case .incorrectInstanceStatus:
            RPCError(status: 403, code: "IncorrectInstanceStatus", message: "The current status of the resource does not support this operation.")
        case .idempotentParameterMismatch:
            RPCError(status: 400, code: "IdempotentParameterMismatch", message: "Request uses a client token in a previous request but is not identical to that request.")
        case .instanceOnAnotherHost(let instance, let host):
            RPCError(status: 403, code: "OperationDenied", message: "The instance \(instance) runs on Keyward host \(host): send this call to a server of that host.")
        case .windowsInstanceKeyPair:
            RPCError(status: 403, code: "DependencyViolation.WindowsInstance", message: "The instance creating is windows, cannot use ssh key pair to login")
        case .nonIOOptimizedKeyPair:
            RPCError(status: 400, code: "DependencyViolation.IoOptimize", message: "The specified parameter InstanceIds is not valid.")
        case .instanceTypeWithoutKeyPairSupport:
            RPCError(status: 400, code: "InvalidInstanceType.ValueNotSupported", message: "The specified parameter \"KeyPairName\" only support IoOptimized Instance.")
        case .invalidHostName: RPCError(status: 400, code: "InvalidHostName.Malformed", message: "The specified parameter \"HostName\" is not valid.")
        case .passwordInheritWithPassword:
            RPCError(status: 400, code: "InvalidPasswordParam.Mismatch", message: "The input password should be null when passwdInherit is true.")
        case .imageHasNoPresetPassword:
            RPCError(status: 400, code: "InvalidParameter.PasswordInherit", message: "The specified image does not have a preset password to inherit.")
        case .invalidPassword: RPCError(status: 400, code: "InvalidPassword.Malformed", message: "The specified parameter \"Password\" is not valid.")
        case .invalidInstanceIDs:
            RPCError(status: 400, code: "InvalidInstanceIds.ValueNotSupported", message: "The specified parameter \"InstanceIds\" is not valid.")
        case .imageInUse(let id): RPCError(status: 403, code: "IncorrectImageStatus", message: "The image \(id) is in use by an instance.")
        case .instanceQuotaExceeded(let limit):
            RPCError(status: 403, code: "QuotaExceed.Instance", message: "The number of instances exceeds the quota of \(limit).")
        case .scalingGroupNotFound: RPCError(status: 404, code: "InvalidScalingGroupId.NotFound", message: "The specified scaling group does not exist.")
        case .scalingConfigurationNotFound:
            RPCError(status: 404, code: "InvalidScalingConfigurationId.NotFound", message: "The specified scaling configuration does not exist.")
        case .scalingRuleNotFound: RPCError(status: 404, code: "InvalidScalingRuleAri.NotFound", message: "The specified scaling rule Ari does not exist.")
        case .scalingGroupNameTaken:
            RPCError(status: 400, code: "InvalidScalingGroupName.Duplicate", message: "The specified value of parameter \"ScalingGroupName\" is duplicated.")
        case .scalingConfigurationNameTaken:
            RPCError(
                status: 400, code: "InvalidScalingConfigurationName.Duplicate",
                message: "The specified value of parameter \"ScalingConfigurationName\" is duplicated."
            )
        case .scalingGroupQuotaExceeded: RPCError(status: 400, code: "QuotaExceeded.ScalingGroup", message: "Scaling group quota exceeded.")
        case .scalingConfigurationQuotaExceeded:
            RPCError(status: 400, code: "QuotaExceeded.ScalingConfiguration", message: "Scaling configuration quota exceeded in the specified scaling group.")
        case .parameterConflict(let first, let second):
            RPCError(status: 400, code: "InvalidParameter.Conflict", message: "The value of parameter \(first) and parameter \(second) are conflict.")
        case .incorrectScalingGroupStatus:
            RPCError(status: 400, code: "IncorrectScalingGroupStatus", message: "The current status of the specified scaling group does not support this action.")
        case .scalingActivityInProgress:
            RPCError(
                status: 400, code: "ScalingActivityInProgress",
                message: "You cannot delete a scaling group or launch a new scaling activity while there is a scaling activity in progress for the specified scaling group."
            )
        case .incorrectCapacity(.maxSize):
            RPCError(status: 400, code: "IncorrectCapacity.MaxSize", message: "To attach the instances, the total capacity will be greater than the max size.")
        case .incorrectCapacity(.minSize):
            RPCError(status: 400, code: "IncorrectCapacity.MinSize", message: "To remove the instances, the total capacity will be lesser than the MinSize.")
        case .incorrectCapacity(.noChange):
            RPCError(status: 400, code: "IncorrectCapacity.NoChange", message: "To execute the specified scaling rule, the total capacity will not change.")
        case .missingActiveScalingConfiguration:
            RPCError(status: 400, code: "MissingActiveScalingConfiguration", message: "An active scaling configuration for the specified scaling group is not supplied.")
        case .scalingInstancesInUse:
            RPCError(
                status: 400, code: "InstanceInUse",
                message: "You cannot delete a scaling configuration or scaling group while there is an instance associated with it."
            )
        case .scalingConfigurationActive:
            RPCError(
                status: 400, code: "IncorrectScalingConfigurationLifecycleState",
                message: "The current lifecycle state of the specified scaling configuration does not support this action."
            )
        case .instanceInOtherScalingGroup(let id):
            RPCError(status: 400, code: "InvalidInstanceId.InUse", message: "Instance \"\(id)\" is already attached to another scaling group.")
        case .internalFailure: .internalError
        }
    }
}
