/// Failures of an instance driver.
public enum DriverError: Error, Sendable, Equatable, CustomStringConvertible {
    case commandFailed(String, String)
    case notFound(String)
    case bootFailed(instanceID: String, console: String)
    case unavailable(String)
    case apply(String)
    /// A host command ran past its deadline and was killed.
    case timedOut(String, Duration)

    public var description: String {
        switch self {
        case .commandFailed(let command, let output): "command failed: \(command): \(output)"
        case .notFound(let what): "not found: \(what)"
        case .bootFailed(let id, let console): "instance \(id) did not come up: \(console)"
        case .unavailable(let reason): "driver unavailable: \(reason)"
        case .apply(let reason): "credential apply failed: \(reason)"
        case .timedOut(let command, let limit): "timed out after \(limit.components.seconds) s: \(command)"
        }
    }
}
