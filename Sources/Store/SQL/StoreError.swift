/// Failures of the storage layer itself (rule violations are reported as `DomainError`).
public enum StoreError: Error, Sendable, Equatable {
    /// A UNIQUE or PRIMARY KEY constraint refused the write.
    case uniqueViolation(String)
    /// A CHECK constraint refused the write.
    case checkViolation(String)
    /// A value read back did not have the expected type.
    case corruptRow(String)
    /// The database could not be opened or migrated.
    case unavailable(String)
    /// Any other backend failure.
    case backend(String)
}

extension StoreError {
    /// What the backend said.
    public var message: String {
        switch self {
        case .uniqueViolation(let text), .checkViolation(let text), .corruptRow(let text), .unavailable(let text), .backend(let text): text
        }
    }
}
