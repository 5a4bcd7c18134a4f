import Foundation
import Instances

/// The data directory: made if missing (mode 0700), proved writable, and locked so that a second server on the
/// same directory refuses to start instead of sharing its database and sandboxes.
enum DataDirectory {
    static func prepare(_ directory: String) throws -> HostLock {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw KeywardServer.StartupFailure(description: "cannot create the data directory \(directory): \(reason(errno)); choose another --data")
        }
        // The database holds password hashes and sealed secrets: nobody else may list or read it.
        chmod(directory, 0o700)
        guard access(directory, W_OK | X_OK) == 0 else {
            throw KeywardServer.StartupFailure(description: "the data directory \(directory) is not writable by this user: \(reason(errno)); choose another --data or fix its owner")
        }
        do {
            return try HostLock(path: directory + "/keyward.lock", holder: "the Keyward server with pid \(getpid())")
        } catch {
            switch error {
            case .held(_, let holder):
                throw KeywardServer.StartupFailure(description: "the data directory \(directory) is in use by \(holder): stop that server, or give this one its own --data")
            case .unavailable(_, let why):
                throw KeywardServer.StartupFailure(description: "the data directory \(directory) is not writable: \(why); choose another --data")
            }
        }
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
