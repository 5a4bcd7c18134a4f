/// Every rule violation the domain can report, independent of any vendor dialect.
///
/// Dialects map each case to their own error code and HTTP status in one table.
public enum DomainError: Error, Sendable, Equatable {
    case missingParameter(String)
    case invalidParameter(name: String, reason: String)
    case invalidRegion(String)
    case invalidKeyPairName(String)
    case keyPairAlreadyExists(String)
    case keyPairQuotaExceeded(limit: Int)
    case keyPairNotFound(String)
    /// No key pair of the caller has this short id.
    case keyPairIDNotFound(String)
    /// The key pair is bound to an instance, and the operation needs it free.
    case keyPairInUse(name: String, instanceID: String)
    case invalidPublicKeyBody(reason: String)
    case invalidKeyPairNames(reason: String)
    case invalidTagKey(String)
    case invalidTagValue(String)
    case duplicateTagKey(String)
    case tooManyTags(limit: Int)
    case invalidResourceType(String)
    case resourceNotFound(type: String, id: String)
    case invalidResourceGroup(String)
    case instanceNotFound(String)
    case zoneNotInRegion(zone: String, region: String)
    /// A custom image of that name already exists in the account's region.
    case imageNameAlreadyExists(String)
    /// The key pair named is not bound to the instance.
    case keyPairNotBound(keyPair: String, instanceID: String)
    case imageNotFound(String)
    case incorrectInstanceStatus(String)
    /// A ClientToken used before with other parameters.
    case idempotentParameterMismatch
    /// The instance's system runs on another Keyward host of the deployment: only that server's driver can change it.
    case instanceOnAnotherHost(instanceID: String, hostID: String)
    case windowsInstanceKeyPair
    case nonIOOptimizedKeyPair
    /// Launching (rather than binding to) a non-I/O-optimized type with a key pair.
    case instanceTypeWithoutKeyPairSupport(String)
    case invalidHostName(String)
    case passwordInheritWithPassword
    case imageHasNoPresetPassword
    case invalidPassword(reason: String)
    case invalidInstanceIDs(reason: String)
    case imageInUse(String)
    case instanceQuotaExceeded(limit: Int)
    // Auto Scaling
    case scalingGroupNotFound(String)
    case scalingConfigurationNotFound(String)
    case scalingRuleNotFound(String)
    case scalingGroupNameTaken(String)
    case scalingConfigurationNameTaken(String)
    case scalingGroupQuotaExceeded(limit: Int)
    case scalingConfigurationQuotaExceeded(limit: Int)
    /// Two parameters that contradict each other (MinSize > MaxSize).
    case parameterConflict(String, String)
    case incorrectScalingGroupStatus(String)
    case scalingActivityInProgress
    case incorrectCapacity(CapacityProblem)
    case missingActiveScalingConfiguration
    /// A group or configuration still has instances.
    case scalingInstancesInUse
    case scalingConfigurationActive(String)
    case instanceInOtherScalingGroup(String)
    case internalFailure(String)
}

/// Why a capacity change is refused.
public enum CapacityProblem: String, Sendable, Equatable {
    /// More instances than MaxSize.
    case maxSize
    /// Fewer instances than MinSize.
    case minSize
    /// The capacity would not change.
    case noChange
}
