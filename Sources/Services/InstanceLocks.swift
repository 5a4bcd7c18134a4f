/// Serialises operations on one instance (start, stop, reboot, bind…) while letting different instances proceed
/// in parallel.
actor InstanceLocks {
    private var busy = Set<String>()
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func lock(_ id: String) async {
        guard busy.contains(id) else {
            busy.insert(id)
            return
        }
        await withCheckedContinuation { waiters[id, default: []].append($0) }
    }

    func unlock(_ id: String) {
        if var queue = waiters[id], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[id] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            busy.remove(id)
        }
    }

    nonisolated func with<T: Sendable>(_ id: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await lock(id)
        do {
            let result = try await body()
            await unlock(id)
            return result
        } catch {
            await unlock(id)
            throw error
        }
    }
}
